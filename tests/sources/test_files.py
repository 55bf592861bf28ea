"""Reading files as councils and partners actually send them."""

import pytest

from kinsight.core.errors import UnusableInput
from kinsight.sources.files import files_of, parse_dates, read_csv, read_table, read_xlsx

ROWS = "CHILD,DOB,NAME\n001,01/02/2020,Zoë\n002,2020-13-01,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_every_encoding_councils_use(tmp_path, encoding):
    path = tmp_path / "header.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = read_csv(path)
    assert table.column_names == ["CHILD", "DOB", "NAME", "row_number"]
    assert table.to_pylist()[0] == {"CHILD": "001", "DOB": "01/02/2020", "NAME": "Zoë", "row_number": 1}
    assert table["NAME"][1].as_py() is None


def test_dates_that_cannot_be_read_become_null():
    assert parse_dates(read_csv_rows()["DOB"]).to_pylist()[1] is None


def test_a_column_mixing_date_formats_reads_every_format_it_holds():
    import pyarrow as pa

    dates = parse_dates(pa.array(["31/01/2020", "2020-02-29", "01-03-2020", "2020/04/30", "31.05.2020"]))
    assert [d.isoformat() for d in dates.to_pylist()] == [
        "2020-01-31", "2020-02-29", "2020-03-01", "2020-04-30", "2020-05-31"]


def read_csv_rows():
    import pyarrow as pa

    return pa.table({"DOB": ["01/02/2020", "2020-13-01", "2020-02-01 00:00:00"]})


def test_spreadsheet_renamed_csv_is_refused_with_advice(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["CHILD", "DOB"])
    book.active.append(["001", "01/02/2020"])
    book.save(tmp_path / "header.csv")
    with pytest.raises(UnusableInput, match="header.csv: this is a spreadsheet"):
        read_csv(tmp_path / "header.csv")
    assert read_table(tmp_path / "header.csv").to_pylist() == [
        {"CHILD": "001", "DOB": "01/02/2020", "row_number": 1}
    ]


def test_xlsx_header_is_found_below_title_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["List 1: contacts"])
    book.active.append([])
    book.active.append(["Child Unique ID", "Gender"])
    book.active.append([7, "b) Female"])
    book.save(tmp_path / "annex.xlsx")
    assert read_xlsx(tmp_path / "annex.xlsx").to_pylist() == [
        {"Child Unique ID": "7", "Gender": "b) Female", "row_number": 1}
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"CHILD,DOB\n1,2,3\n", "wrong number of columns"),
        ("CHILD\n1\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_unusable_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "episodes.csv"
    path.write_bytes(content)
    with pytest.raises(UnusableInput, match=f"episodes.csv.*{message}"):
        read_csv(path)


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("CHILD,DOB\n1,01/01/2020\n")
    with pytest.raises(UnusableInput, match="missing column.*SEX"):
        read_csv(path, expected_columns=["CHILD", "SEX", "DOB"])


def test_a_folder_stands_for_its_files_in_name_order(tmp_path):
    (tmp_path / "hv_2026-04.csv").write_text("A\n1\n")
    (tmp_path / "hv_2026-03.csv").write_text("A\n1\n")
    assert [p.name for p in files_of(tmp_path)] == ["hv_2026-03.csv", "hv_2026-04.csv"]
