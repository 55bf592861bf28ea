"""report.xlsx as its readers see it: the workbook :mod:`kinsight.quality.xlsx` writes opens in
openpyxl and calamine with the values, types and bold headers it was given, whatever the text."""

import zipfile
from datetime import date
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kinsight.quality import reports
from kinsight.quality.xlsx import MAX_CELL_CHARACTERS, Bold, Sheet, write_workbook

ROWS = [
    [Bold("code"), Bold("rows"), Bold("share"), Bold("fixed"), Bold("note")],
    ["101", 12, 0.25, True, None],
    ["E09000027", -3, 1e-05, False, "first"],
    [None, 2**40, 1.0, None, "last"],
]

SPECIAL = [
    "Smith & Sons <Ltd>",
    'She said "no" and \'yes\'',
    "🎉 party 👩‍👧",
    "Llŷr, Siân, Gwenllïan, Ŵyn, Dafydd ap Gruffudd",
    "  two spaces before",
    "a space after ",
    "\tTab first",
    "line one\nline two\r\nline three",
    "=1+1",
    "</t></is></c><c>",
]


def written(tmp_path, *sheets: Sheet):
    path = tmp_path / "book.xlsx"
    write_workbook(path, sheets)
    return path


def openpyxl_rows(path, sheet: str) -> list[list]:
    return [list(row) for row in openpyxl.load_workbook(path)[sheet].values]


def calamine_rows(path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_openpyxl_reads_back_every_value_with_its_type(tmp_path):
    path = written(tmp_path, Sheet("Values", ROWS))
    got = openpyxl_rows(path, "Values")
    assert got == ROWS
    assert [[type(value) for value in row] for row in got[1:]] == [
        [str, int, float, bool, type(None)],
        [str, int, float, bool, str],
        [type(None), int, float, type(None), str],
    ]


def test_calamine_reads_back_every_value_numbers_as_floats_and_empty_cells_as_blank(tmp_path):
    # An xlsx holds every number as a double; calamine gives each as a float.
    path = written(tmp_path, Sheet("Values", ROWS))
    assert calamine_rows(path, "Values") == [
        ["code", "rows", "share", "fixed", "note"],
        ["101", 12.0, 0.25, True, ""],
        ["E09000027", -3.0, 1e-05, False, "first"],
        ["", 1099511627776.0, 1.0, "", "last"],
    ]
    assert type(calamine_rows(path, "Values")[1][3]) is bool


def test_bold_text_is_bold_and_the_rest_is_not(tmp_path):
    path = written(tmp_path, Sheet("Summary", [[Bold("Errors"), 3], [], [Bold("Table"), "File"]]))
    sheet = openpyxl.load_workbook(path)["Summary"]
    assert [sheet[ref].font.b for ref in ("A1", "B1", "A3", "B3")] == [True, False, True, False]
    header = openpyxl.load_workbook(written(tmp_path, Sheet("Values", ROWS)))["Values"][1]
    assert all(cell.font.b for cell in header)


def test_text_with_markup_quotes_emoji_welsh_and_spaces_reads_back_as_written(tmp_path):
    path = written(tmp_path, Sheet("Text", [[text] for text in SPECIAL]))
    assert openpyxl_rows(path, "Text") == [[text] for text in SPECIAL]
    assert calamine_rows(path, "Text") == [[text] for text in SPECIAL]


def test_spaces_at_either_end_are_marked_to_be_kept_as_excel_needs(tmp_path):
    path = written(tmp_path, Sheet("Text", [["  before"], ["after "], ["inside only"]]))
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count('<t xml:space="preserve">') == 2


def test_text_like_excels_own_escapes_stays_as_written(tmp_path):
    # Excel and calamine read "_x0041_" as "A" unless it is escaped; openpyxl reads inline text
    # without unescaping, so only calamine can tell.
    path = written(tmp_path, Sheet("Text", [["file_x0041_.csv"]]))
    assert calamine_rows(path, "Text") == [["file_x0041_.csv"]]


def test_characters_xml_cannot_hold_are_dropped_and_tab_newline_kept(tmp_path):
    path = written(tmp_path, Sheet("Text", [["a\x00b\x07c\x0bd\x1fe\ufffff\ud800g\t\n"]]))
    assert openpyxl_rows(path, "Text") == [["abcdefg\t\n"]]
    assert calamine_rows(path, "Text") == [["abcdefg\t\n"]]


def test_text_longer_than_excel_takes_is_cut_to_its_limit(tmp_path):
    path = written(tmp_path, Sheet("Long", [["x" * 40_000], ["🎉" * 20_000], ["y" * MAX_CELL_CHARACTERS]]))
    long, emoji, fits = (row[0] for row in openpyxl_rows(path, "Long"))
    assert long == "x" * MAX_CELL_CHARACTERS
    # Excel counts an emoji as two characters (UTF-16), so fewer fit, and none is cut in half.
    assert emoji == "🎉" * (MAX_CELL_CHARACTERS // 2)
    assert fits == "y" * MAX_CELL_CHARACTERS


def test_a_sheet_of_only_a_header_and_a_sheet_of_nothing_open(tmp_path):
    path = written(tmp_path, Sheet("Header only", [[Bold("code"), Bold("rows")]]), Sheet("Nothing", []))
    assert openpyxl_rows(path, "Header only") == [["code", "rows"]]
    assert openpyxl_rows(path, "Nothing") == []
    assert calamine_rows(path, "Header only") == [["code", "rows"]]
    assert calamine_rows(path, "Nothing") == []


def test_sheets_keep_their_order_and_the_package_holds_the_parts_excel_needs(tmp_path):
    path = written(tmp_path, Sheet("Summary", [["a"]]), Sheet("Errors", [["b"]]), Sheet("Rules", [["c"]]))
    assert openpyxl.load_workbook(path).sheetnames == ["Summary", "Errors", "Rules"]
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert set(archive.namelist()) == {
            "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml",
            "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
        }
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))
        assert b"creator" not in archive.read("docProps/core.xml")


@pytest.mark.parametrize("name", [
    "", "x" * 32, "a/b", "a\\b", "[draft]", "Errors: 2026", "why?", "all*", "'quoted'", "History", "tab\x01",
])
def test_a_sheet_name_excel_would_refuse_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="sheet name"):
        written(tmp_path, Sheet(name, [["a"]]))


def test_two_sheets_named_alike_in_any_case_and_a_workbook_without_sheets_are_refused(tmp_path):
    with pytest.raises(ValueError, match="used twice"):
        written(tmp_path, Sheet("Errors", []), Sheet("ERRORS", []))
    with pytest.raises(ValueError, match="at least one sheet"):
        written(tmp_path)


def test_a_value_excel_cannot_hold_is_refused(tmp_path):
    with pytest.raises(TypeError, match="not a date"):
        written(tmp_path, Sheet("Dates", [[date(2026, 3, 31)]]))
    for number in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="no NaN or infinity"):
            written(tmp_path, Sheet("Numbers", [[number]]))


def test_the_report_workbook_has_the_summary_then_each_table_with_a_note_when_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "XLSX_ROWS_SHOWN", 2)
    path = tmp_path / "report.xlsx"
    reports._write_xlsx(
        path,
        {"return": "ssda903", "rows_read": 3},
        [{"table": "Header", "file": "header.csv", "rows": 3, "previous": False}],
        {"Errors": reports._Rows(["rule_code", "row_number"], [("101", 1), ("102", 2)], total=3),
         "Rules": reports._Rows(["code", "rows"], [("101", None)], total=1)},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Errors", "Rules"]
    assert openpyxl_rows(path, "Summary") == [
        ["Return", "ssda903", None, None],
        ["Rows read", 3, None, None],
        [None, None, None, None],
        ["Table", "File", "Rows", "Previous year"],
        ["Header", "header.csv", 3, "no"],
    ]
    assert openpyxl_rows(path, "Errors") == [
        ["rule_code", "row_number", "First 2 of 3 rows; see errors.csv"], ["101", 1, None], ["102", 2, None],
    ]
    assert openpyxl_rows(path, "Rules") == [["code", "rows"], ["101", None]]
    assert [cell.font.b for cell in book["Errors"][1]] == [True, True, False]
    assert [cell.font.b for cell in book["Summary"]["A"]] == [True, True, False, True, False]
