"""Reading files as councils and partners actually send them."""

import re

import duckdb
import pytest

from kinsight.core.errors import UnusableInput
from kinsight.sources.files import (
    csv_header,
    csv_scan,
    csv_scan_error,
    files_of,
    parse_dates,
    read_csv,
    read_table,
    read_xlsx,
)

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


# Quoted commas, quotes and line breaks, a quoted empty cell, surrounding spaces, a blank line,
# Windows line ends and a byte order mark: DuckDB's scan reads what Arrow's reader reads.
AWKWARD = (
    '\ufeffCHILD,NOTE,DOB\r\n'
    '1,"a, b",01/01/2020\r\n'
    '2,"say ""hi""\r\nthen go", \r\n'
    '\r\n'
    '3,"",  02/02/2020  \r\n'
)


def test_duckdb_scans_a_csv_file_cell_for_cell_as_arrow_reads_it(tmp_path):
    path = tmp_path / "episodes.csv"
    path.write_bytes(AWKWARD.encode("utf-8"))
    assert csv_header(path) == ["CHILD", "NOTE", "DOB"]
    scanned = duckdb.sql(f"SELECT * FROM {csv_scan(path, csv_header(path))}").fetchall()
    read = read_csv(path).drop_columns(["row_number"]).to_pylist()
    assert scanned == [tuple(row.values()) for row in read]
    assert scanned[1] == ("2", 'say "hi"\r\nthen go', " ")


def test_duckdb_scans_the_rows_in_file_order(tmp_path):
    # Large enough for DuckDB to read it in parallel: the table made from it still numbers rows as the file does.
    path = tmp_path / "header.csv"
    path.write_text("CHILD,DOB\n" + "".join(f"{n},01/01/2020\n" for n in range(1, 400_001)))
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE TABLE t AS SELECT * FROM {csv_scan(path, ['CHILD', 'DOB'])}")
    assert con.execute("SELECT count(*) FROM t WHERE CAST(CHILD AS INTEGER) <> rowid + 1").fetchone() == (0,)


def test_only_arrow_reads_windows_1252_and_one_column_files(tmp_path):
    (tmp_path / "a.csv").write_bytes(ROWS.encode("cp1252"))
    (tmp_path / "b.csv").write_text("CHILD\n1\n\n2\n")
    assert csv_scan(tmp_path / "a.csv", ["CHILD", "DOB", "NAME"]) is None
    assert csv_scan(tmp_path / "b.csv", ["CHILD"]) is None


@pytest.mark.parametrize(
    "body, message, row",
    [
        ("1,2\n3,4,5\n", r"wrong number of columns \(expected 2, found 3\)", 2),
        ("1,2\n3\n", r"wrong number of columns \(expected 2, found 1\)", 2),
        ('1,"2\nstill 2"\n3,"open\n', "quotes are not closed", 2),
    ],
)
def test_a_file_duckdb_cannot_scan_is_refused_naming_file_and_data_row(tmp_path, body, message, row):
    path = tmp_path / "episodes.csv"
    path.write_text("CHILD,DOB\n" + body)
    with pytest.raises(duckdb.Error) as failed:
        duckdb.sql(f"SELECT * FROM {csv_scan(path, ['CHILD', 'DOB'])}").fetchall()
    error = csv_scan_error(failed.value, path)
    assert error.location.row == row
    assert f"episodes.csv, row {row}" in str(error)
    assert re.search(message, str(error))
