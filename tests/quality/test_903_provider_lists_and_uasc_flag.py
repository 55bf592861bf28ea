"""Ofsted's provider lists as an optional input to 903 validation, the postcode lookup the
placement rules share, and the UASC flag of the DfE XML header."""

import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from kinsight.core.errors import UnusableInput
from kinsight.quality.ssda903 import validate_903
from kinsight.sources.ofsted import read_providers

FAKE = Path(__file__).parents[1] / "fixtures" / "ssda903-reference-fake"
LA = "E09000027"
HOMES = ["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Closed Date", "Setting Postcode"]
PROVIDERS = ["URN", "Local authority", "Placement code", "Placement provider code", "Deregistration date",
             "Setting postcode"]
PROVIDER_RULES = {"219", "221", "224", "227", "228", "229", "1008"}


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    with xlsxwriter.Workbook(str(path)) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for i, row in enumerate(rows):
                sheet.write_row(i, 0, row)
    return path


@pytest.fixture
def a_return(tmp_path) -> Path:
    folder = tmp_path / "return"
    folder.mkdir()
    (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,M,01/06/2010,WBRI,UN1,,\n")
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "1,01/05/2025,S,C2,N1,K2,PR1,,,,TW9 1AA,TW1 3AA,SC100001\n"
        "1,01/05/2024,S,C2,N1,K2,PR1,30/04/2025,X1,,TW9 1AA,CF10 1AA,SC100002\n"
    )
    return folder


@pytest.fixture
def lists(tmp_path) -> list[Path]:
    homes = workbook(tmp_path / "homes.xlsx", {"Provider information": [
        HOMES, ["SC100001", "Richmond upon Thames", "K2", "PR1/PR2", None, "tw1 3aa"]]})
    (tmp_path / "providers.csv").write_text(",".join(PROVIDERS) + "\nSC100002,Cardiff,K2,PR2,30/09/2023,CF10 1AA\n")
    return [homes, tmp_path / "providers.csv"]


def test_the_lists_become_one_row_per_provider_with_codes_dates_and_postcodes_as_the_rules_read_them(lists):
    rows = [row for _, table in read_providers(lists) for row in table.to_pylist()]
    assert rows == [
        {"URN": "SC100001", "PLACE_CODES": "K2", "PROVIDER_CODES": "PR1,PR2", "REG_END": None,
         "POSTCODE": "TW13AA", "row_number": 1},
        {"URN": "SC100002", "PLACE_CODES": "K2", "PROVIDER_CODES": "PR2", "REG_END": "30/09/2023",
         "POSTCODE": "CF101AA", "row_number": 1},
    ]


def test_provider_rules_are_skipped_without_the_lists_and_say_what_to_give(a_return):
    result = validate_903([a_return], 2026, LA)
    assert PROVIDER_RULES <= set(result.skipped)
    assert result.skipped["219"] == "needs the Ofsted provider lists (--providers)"


def test_with_the_lists_the_provider_rules_run_and_judge_each_episode_by_its_urn(a_return, lists):
    result = validate_903([a_return], 2026, LA, providers=lists)
    assert not PROVIDER_RULES & set(result.skipped)
    flagged = {(f["rule_code"], f["row_number"]) for f in result.findings.to_pylist()}
    # The open episode's home is in the list, in Richmond, open; the closed one was deregistered
    # before the episode began, and lies in Wales although recorded as the LA's own provision.
    assert {("227", 2), ("228", 2), ("224", 2), ("229", 2)} <= flagged
    # The lists are read beside the return, not as part of it.
    assert result.headline()["rows_read"] == validate_903([a_return], 2026, LA).headline()["rows_read"] == 3
    assert not {code for code, row in flagged if row == 1} & PROVIDER_RULES
    assert ("1015", 2) in flagged and ("243", 2) in flagged


def test_a_file_that_is_not_a_provider_list_is_refused_naming_file_and_missing_column(tmp_path, a_return):
    wrong = workbook(tmp_path / "wrong.xlsx", {"Sheet1": [["URN", "Name"], ["SC1", "Home"]]})
    with pytest.raises(UnusableInput) as refused:
        validate_903([a_return], 2026, LA, providers=[wrong])
    message = str(refused.value)
    assert message.startswith(f"{wrong}, field ") and "not one of Ofsted's provider lists" in message
    assert "Setting Postcode" in message and "Placement provider code" in message


def test_a_closing_date_that_is_not_a_date_is_refused_naming_file_row_and_field(tmp_path):
    (tmp_path / "providers.csv").write_text(
        ",".join(PROVIDERS) + "\nSC1,X,K2,PR1,,TW1 3AA\nSC2,X,K2,PR1,soon,TW1 3AA\n")
    with pytest.raises(UnusableInput, match=r"providers.csv, row 2, field Deregistration date: 'soon' is not a date"):
        read_providers([tmp_path / "providers.csv"])


def test_an_unreadable_workbook_is_refused(tmp_path):
    broken = tmp_path / "homes.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnusableInput, match="homes.xlsx: not a readable xlsx workbook"):
        read_providers([broken])


def test_the_cli_takes_the_lists_and_exits_2_writing_nothing_for_a_bad_one(a_return, lists, tmp_path):
    def kinsight(*args):
        return subprocess.run([sys.executable, "-m", "kinsight", "validate", "903", str(a_return), "--year", "2026",
                               "--la", LA, *args], capture_output=True, text=True, check=False)

    good = kinsight("--providers", str(lists[0]), "--providers", str(lists[1]), "--out", str(tmp_path / "out"))
    assert good.returncode == 0, good.stderr
    bad_list = tmp_path / "bad.csv"
    bad_list.write_text("URN,NAME\nSC1,Home\n")
    bad = kinsight("--providers", str(bad_list), "--out", str(tmp_path / "bad-out"))
    assert bad.returncode == 2 and "bad.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad-out").exists()


def test_placements_outside_england_are_recognised_by_postcode_and_need_no_urn(tmp_path):
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,M,01/06/2010,WBRI,UN1,,\n")
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "1,01/05/2025,S,C2,N1,K2,PR2,,,,TW91AA,cf10 1aa,\n"
    )
    codes = {f["rule_code"] for f in validate_903([tmp_path], 2026, LA).findings.to_pylist()}
    assert not codes & {"218", "169", "179", "392c", "392a"}


def test_the_xml_uasc_flag_is_read_and_checked_while_a_csv_return_skips_rule_105():
    xml = validate_903([FAKE / "fake_903.xml"], 2026, LA)
    assert "105" not in xml.skipped
    flagged = xml.findings["rule_code"].to_pylist().count("105")
    # The fake XML gives the flag (1) for 12 children and leaves it blank for the rest.
    header_rows = next(i.rows for i in xml.inputs if i.table == "Header")
    assert flagged == header_rows - 12
    csv_return = validate_903([FAKE / "header.csv", FAKE / "uasc.csv"], 2026, LA)
    assert csv_return.skipped["105"].startswith("needs the UASC flag of the DfE XML's header")
