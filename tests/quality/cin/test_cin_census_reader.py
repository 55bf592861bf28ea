"""Reading the CIN census XML: the flat tables, their lineage, and files that cannot be read."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from census_xml import census_xml, write_census
from typer.testing import CliRunner

from kinsight.cli import app
from kinsight.core.errors import UnusableInput
from kinsight.sources.cin_census import read_children, read_cin_census

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cin-census-reference-fake"

FULL_CHILD = {
    "ChildIdentifiers": {"LAchildID": "  K1  ", "UPN": "U213252000001"},
    "Disabilities": ["AUT", "LD"],
    "CINdetails": [
        {"CINclosureDate": "2025-07-01", "ReasonForClosure": "RC7"},
        {"CINreferralDate": "2025-09-01",
         "Assessments": [{"AssessmentActualStartDate": "2025-09-02", "Factors": ["1A", "4B"]},
                         {"AssessmentActualStartDate": "2025-10-02"}],
         "ChildProtectionPlans": [{"CPPstartDate": "2025-09-20", "Reviews": ["2025-10-01", "2025-12-01"]}],
         "PreProceedingsandFGDM": [{"PPStartDate": "2025-11-01", "PPOutcome": "A"}]},
    ],
}


def test_each_module_becomes_a_table_keyed_to_its_child_and_episode(tmp_path):
    census = read_cin_census(write_census(tmp_path, [{}, FULL_CHILD]), 2026)
    tables = census.tables
    assert census.children == 2
    assert tables["ChildIdentifiers"].column("LAchildID").to_pylist() == ["C1", "K1"]
    assert tables["Disabilities"].select(["row_number", "Disability"]).to_pylist() == [
        {"row_number": 1, "Disability": "NONE"},
        {"row_number": 2, "Disability": "AUT"},
        {"row_number": 2, "Disability": "LD"},
    ]
    assert tables["CINdetails"].select(["row_number", "CINdetailsID"]).to_pylist() == [
        {"row_number": 1, "CINdetailsID": 1}, {"row_number": 2, "CINdetailsID": 1},
        {"row_number": 2, "CINdetailsID": 2},
    ]
    factors = tables["AssessmentFactorsList"].select(
        ["LAchildID", "CINdetailsID", "AssessmentID", "AssessmentFactor"])
    assert factors.to_pylist() == [
        {"LAchildID": "K1", "CINdetailsID": 2, "AssessmentID": 1, "AssessmentFactor": "1A"},
        {"LAchildID": "K1", "CINdetailsID": 2, "AssessmentID": 1, "AssessmentFactor": "4B"},
    ]
    # Every review date in a Reviews element is a row (the sector's tool keeps only the first).
    reviews = tables["Reviews"].column("CPPreviewDate").to_pylist()
    assert [str(d) for d in reviews] == ["2025-10-01", "2025-12-01"]
    assert str(tables["Header"].column("ReferenceDate")[0]) == "2026-03-31"
    # Pre-proceedings are a 2026/27 module: not part of the 2025/26 tables.
    assert "PreProceedings" not in tables


def test_the_2026_27_layout_adds_pre_proceedings(tmp_path):
    census = read_cin_census(write_census(tmp_path, [FULL_CHILD], year=2027), 2027)
    assert census.tables["PreProceedings"].select(["CINdetailsID", "PPOutcome"]).to_pylist() == [
        {"CINdetailsID": 2, "PPOutcome": "A"}
    ]


def test_a_bad_date_is_read_as_missing_and_recorded(tmp_path):
    child = {"ChildIdentifiers": {"PersonBirthDate": "31/01/2020"}}
    census = read_cin_census(write_census(tmp_path, [{}, child]), 2026)
    assert census.tables["ChildIdentifiers"].column("PersonBirthDate").to_pylist()[1] is None
    assert census.bad_dates == [("ChildIdentifiers", 2, "C2", "PersonBirthDate", "31/01/2020")]


def test_read_children_gives_linkage_one_row_per_child_with_lineage(tmp_path):
    path = write_census(tmp_path, [{}, FULL_CHILD])
    children = read_children(path)
    assert children.num_rows == 2
    assert children.column("row_number").to_pylist() == [1, 2]
    assert children.column("Ethnicity").to_pylist() == ["WBRI", "WBRI"]
    assert set(children.column("file").to_pylist()) == {str(path)}
    assert {"LAchildID", "UPN", "PersonBirthDate", "Sex"} <= set(children.column_names)


def test_the_sector_fake_data_reads(tmp_path):
    census = read_cin_census(FIXTURES / "fake_CIN_data.xml", 2026)
    assert census.children == 332
    assert census.tables["CINdetails"].num_rows == 402


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"<Message><Header></Message>", "line 1: not well-formed XML"),
        (b"<Message>\n<Children>\n<Child>\n", "line 4: not well-formed XML"),
        (b"<Children><Child/></Children>", "not a CIN census file: its root element is <Children>"),
        (b"CHILD,SEX,DOB\n1,M,01/01/2020\n", "not well-formed XML"),
        ("<Message><Header/><Children><Child><ChildIdentifiers><LAchildID>Zoë</LAchildID>"
         "</ChildIdentifiers></Child></Children></Message>".encode("cp1252"), "not well-formed XML"),
    ],
    ids=["empty", "malformed", "truncated", "wrong-root", "csv", "cp1252-undeclared"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "census.xml"
    path.write_bytes(content)
    with pytest.raises(UnusableInput) as refused:
        read_cin_census(path, 2026)
    assert message in str(refused.value)
    assert str(path) in str(refused.value)


def test_a_multi_gigabyte_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "census.xml"
    with open(huge, "wb") as handle:
        handle.truncate(5 << 30)  # sparse: five gigabytes on paper, nothing on disk
    with pytest.raises(UnusableInput, match=r"census.xml: the file is 5.0 GB, larger than any local authority's return"):
        read_cin_census(huge, 2026)


def test_a_declared_windows_1252_file_is_read(tmp_path):
    xml = census_xml([{"ChildIdentifiers": {"LAchildID": "Zoe1"}}]).replace(
        'encoding="UTF-8"', 'encoding="windows-1252"')
    path = tmp_path / "census.xml"
    path.write_bytes(xml.encode("cp1252"))
    assert read_cin_census(path, 2026).tables["ChildIdentifiers"].column("LAchildID").to_pylist() == ["Zoe1"]


def test_missing_mandatory_elements_are_findings_not_refusals(tmp_path):
    path = tmp_path / "census.xml"
    path.write_text("<Message><Children><Child><CINdetails/></Child></Children></Message>")
    census = read_cin_census(path, 2026)
    assert census.tables["ChildIdentifiers"].to_pylist()[0]["LAchildID"] is None
    assert census.tables["Header"].column("ReferenceDate").to_pylist() == [None]


def test_the_cli_validates_a_census_and_writes_the_reports(tmp_path):
    path = write_census(tmp_path, [{}, {"ChildIdentifiers": {"LAchildID": None}}])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["validate", "cin", str(path), "--year", "2026", "--la", "E09000027",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "errors.csv", newline="", encoding="utf-8") as handle:
        errors = list(csv.DictReader(handle))
    assert {"rule_code", "table", "row_number", "child_id", "field"} <= set(errors[0])
    assert {"rule_code": "8500", "table": "ChildIdentifiers", "row_number": "2", "field": "LAchildID"}.items() <= next(
        e for e in errors if e["rule_code"] == "8500").items()
    for report in ("child_summary.csv", "report.xlsx", "report.html", "report.json", "rules.csv"):
        assert (out / report).is_file()


def test_the_cli_refuses_unusable_input_in_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "census.xml"
    path.write_text("<Message><Children>")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "kinsight", "validate", "cin", str(path), "--year", "2026",
         "--la", "E09000027", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "not well-formed XML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()


def test_a_namespaced_file_reads_like_a_plain_one(tmp_path):
    xml = census_xml([FULL_CHILD]).replace("<Message>", '<Message xmlns="http://www.dfes.gov.uk/CIN">')
    path = tmp_path / "census.xml"
    path.write_text(xml, encoding="utf-8")
    plain = read_cin_census(write_census(tmp_path, [FULL_CHILD], name="plain.xml"), 2026)
    namespaced = read_cin_census(path, 2026)
    for name, table in plain.tables.items():
        assert namespaced.tables[name].equals(table), name
