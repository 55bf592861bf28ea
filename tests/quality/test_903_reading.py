"""Reading an SSDA903 return as LAs send it: tables recognised by their columns, the DfE XML,
and every kind of unusable file refused with a message naming the file, row and field."""

import shutil
from pathlib import Path

import pytest

from kinsight.core.errors import UnusableInput
from kinsight.sources import ssda903

FAKE = Path(__file__).parents[1] / "fixtures" / "ssda903-reference-fake"


def test_tables_are_recognised_by_their_columns_not_their_file_names(tmp_path):
    shutil.copy(FAKE / "header.csv", tmp_path / "children.csv")
    shutil.copy(FAKE / "episodes.csv", tmp_path / "export_7.csv")
    found = ssda903.read_return([tmp_path], 2026)
    assert set(found.tables) == {"Header", "Episodes"}
    assert found.files["Header"].name == "children.csv"
    assert found.tables["Episodes"].num_rows == 5050


def test_every_row_keeps_its_1_based_row_number():
    header = ssda903.read_header(FAKE / "header.csv")
    assert header["row_number"].to_pylist()[:3] == [1, 2, 3]
    assert header["CHILD"][0].as_py() == "566910"
    assert header["file"][0].as_py().endswith("header.csv")


def test_the_dfe_xml_yields_the_same_tables_as_the_csv_files():
    from_xml = ssda903.read_xml(FAKE / "fake_903.xml", 2026)
    assert {"Header", "Episodes", "Reviews", "OC2", "PrevPerm"} <= set(from_xml)
    header = from_xml["Header"]
    assert header.column_names[:7] == list(ssda903.schema(2026)["Header"].columns)
    # The XML's PL element is the CSV's PLACE column.
    assert from_xml["Episodes"]["PLACE"].null_count < from_xml["Episodes"].num_rows


def test_a_file_matching_no_table_names_the_closest_and_its_missing_and_extra_columns(tmp_path):
    bad = tmp_path / "episodes.csv"
    bad.write_text("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,NOTES\n")
    with pytest.raises(UnusableInput) as error:
        ssda903.read_return([bad], 2026)
    message = str(error.value)
    assert "episodes.csv" in message and "closest to Episodes" in message
    assert "missing column(s) URN" in message and "unexpected column(s) NOTES" in message


def test_a_table_of_a_later_year_is_refused_with_the_reason(tmp_path):
    shutil.copy(FAKE / "DoLo.csv", tmp_path / "dolo.csv")
    with pytest.raises(UnusableInput, match="DoLo table, which is not part of the 2025/26 return"):
        ssda903.read_return([tmp_path], 2026)
    assert "DoLo" in ssda903.read_return([tmp_path], 2027).tables


def test_the_same_table_twice_is_refused(tmp_path):
    shutil.copy(FAKE / "header.csv", tmp_path / "a.csv")
    shutil.copy(FAKE / "header.csv", tmp_path / "b.csv")
    with pytest.raises(UnusableInput, match="already supplied"):
        ssda903.read_return([tmp_path], 2026)


def test_windows_1252_and_bom_files_are_read(tmp_path):
    (tmp_path / "header.csv").write_bytes(
        "\ufeffCHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n1,M,01/01/2010,WBRI,UN1,,\r\n".encode("utf-8")
    )
    (tmp_path / "uasc.csv").write_bytes("CHILD,SEX,DOB,DUC\r\nZoë,F,01/01/2010,\r\n".encode("cp1252"))
    found = ssda903.read_return([tmp_path], 2026)
    assert found.tables["UASC"]["CHILD"][0].as_py() == "Zoë"
    assert found.tables["Header"].column_names[0] == "CHILD"


def test_empty_and_malformed_files_name_the_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UnusableInput, match="empty.csv: the file is empty"):
        ssda903.read_return([tmp_path / "empty.csv"], 2026)
    (tmp_path / "broken.xml").write_text("<EXPSSDA903><CHILD></EXPSSDA903>")
    with pytest.raises(UnusableInput, match="broken.xml, row 1: not well-formed XML"):
        ssda903.read_return([tmp_path / "broken.xml"], 2026)


@pytest.mark.parametrize("name", ["episodes.csv", "return.xml"])
def test_a_multi_gigabyte_file_is_refused_before_it_is_read(tmp_path, name):
    huge = tmp_path / name
    with open(huge, "wb") as handle:
        handle.truncate(3 << 30)  # sparse: three gigabytes on paper, nothing on disk
    with pytest.raises(UnusableInput, match=rf"{name}: the file is 3.0 GB, larger than any local authority's return"):
        ssda903.read_return([tmp_path], 2026)


def test_an_xlsx_renamed_csv_is_read_as_the_workbook_it_is(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
    workbook.active.append(["1", "M", "01/01/2010", "WBRI", "UN1", None, None])
    workbook.save(tmp_path / "header.csv")
    assert ssda903.read_return([tmp_path / "header.csv"], 2026).tables["Header"].num_rows == 1
