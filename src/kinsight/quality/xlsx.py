"""Writing plain workbooks (text, numbers, true/false, bold headers) fast, for report.xlsx.

xlsxwriter makes several Python calls for every cell: sniffing its type, looking up its
format, escaping it, writing it to a temporary file. The validation report's four sheets of
up to 10,000 rows took most of a second that way. Here a sheet is one XML string, joined from
one comprehension per row, and each distinct value is turned into XML once: a report repeats
a few codes and messages thousands of times, so most cells are a reference and a lookup.

Only what the report needs is written: inline text (no shared-strings table), numbers,
booleans, empty cells and bold text, in sheets with no widths, freezes or formulas. Text is
always text: a value from a return that starts with ``=`` is not taken for a formula.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

#: What a cell can hold; ``None`` leaves it empty.
Value = str | int | float | bool | None

#: Excel's limits: characters in a cell (counted in UTF-16 units, as Excel does), rows and
#: columns in a sheet, characters in a sheet's name.
MAX_CELL_CHARACTERS = 32_767
_MAX_ROWS = 1_048_576
_MAX_COLUMNS = 16_384
_MAX_SHEET_NAME = 31
_NAME_FORBIDS = re.compile(r"[\[\]:*?/\\]")

#: Characters XML 1.0 cannot hold: control characters other than tab, newline and carriage
#: return, lone surrogates (which UTF-8 cannot encode either) and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Excel reads ``_x0041_`` in text as the character it codes; ``_x005F_`` (an underscore)
#: before it keeps such text as written.
_EXCEL_ESCAPE = re.compile("(_x[0-9A-Fa-f]{4}_)")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: Two fonts, normal and bold, and a cell format for each (0 and 1, as cells' ``s`` say).
#: The two fills are the ones Excel expects of every workbook.
_STYLES = (
    f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


class Bold(str):
    """Text shown in bold: a header, or the key of a key and value."""

    __slots__ = ()


@dataclass(frozen=True)
class Sheet:
    """A sheet: its name, and its rows from the first, each a sequence of values from column A
    (text in :class:`Bold` is shown bold).

    A name has at most 31 characters, none of ``[]:*?/\\``, and no two sheets of a workbook
    share one, whatever their case. An empty row leaves a blank line.
    """

    name: str
    rows: Sequence[Sequence[Value]]


def write_workbook(path: Path | str, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets``, in their order, as the xlsx workbook ``path``.

    Text loses the characters XML cannot hold (control characters other than tab, newline and
    carriage return) and is cut to Excel's 32,767 characters.

    Raises:
        ValueError: if there are no sheets, a name Excel would refuse, a sheet larger than
            Excel opens, or a number that is not finite (Excel has no NaN or infinity).
        TypeError: if a value is not a str, int, float, bool or None.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    _check_names([sheet.name for sheet in sheets])
    cells = _CellsByType()
    parts = {
        "[Content_Types].xml": _content_types(len(sheets)),
        "_rels/.rels": _package_relationships(),
        "docProps/core.xml": _core_properties(),
        "xl/workbook.xml": _workbook(sheets),
        "xl/_rels/workbook.xml.rels": _workbook_relationships(len(sheets)),
        "xl/styles.xml": _STYLES,
    }
    # Level 1 deflates a report's sheets nearly four times faster than the default, to a file
    # about a seventh larger.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for number, sheet in enumerate(sheets, 1):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", _worksheet(sheet, cells))


def _check_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name or len(name) > _MAX_SHEET_NAME:
            raise ValueError(f"sheet name {name!r}: Excel takes 1 to {_MAX_SHEET_NAME} characters")
        if _NAME_FORBIDS.search(name) or _NOT_XML.search(name):
            raise ValueError(f"sheet name {name!r}: Excel takes none of []:*?/\\ nor control characters")
        if name.startswith("'") or name.endswith("'") or name.casefold() == "history":
            raise ValueError(f"sheet name {name!r}: Excel refuses an apostrophe at either end, and 'History'")
        if name.casefold() in seen:
            raise ValueError(f"sheet name {name!r} is used twice (Excel ignores case)")
        seen.add(name.casefold())


def _worksheet(sheet: Sheet, cells: _CellsByType) -> str:
    rows = sheet.rows
    width = max(map(len, rows), default=0)
    if len(rows) > _MAX_ROWS or width > _MAX_COLUMNS:
        raise ValueError(f"sheet {sheet.name!r}: Excel opens at most {_MAX_ROWS:,} rows of {_MAX_COLUMNS:,} columns")
    letters = _column_letters(width)
    # Readers size the sheet from its dimension (openpyxl pads rows to it) rather than scan it.
    used = f"A1:{letters[-1]}{len(rows)}" if width else "A1"
    body = "".join([_row(number, values, letters, cells) for number, values in enumerate(rows, 1) if values])
    return (
        f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN}"><dimension ref="{used}"/>'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def _row(number: int, values: Sequence[Value], letters: list[str], cells: _CellsByType) -> str:
    row = str(number)
    # An int is written as it comes: its XML is as quick to make as to look up, and a report's
    # counts and row numbers are mostly distinct.
    return f'<row r="{row}">' + "".join([
        f'<c r="{letter}{row}"><v>{value}</v></c>' if value.__class__ is int
        else f'<c r="{letter}{row}"{cells[value.__class__][value]}'
        for letter, value in zip(letters, values) if value is not None
    ]) + "</row>"


def _column_letters(count: int) -> list[str]:
    """``A`` to ``Z``, ``AA`` to ``ZZ``, ``AAA``…: the names of the first ``count`` columns."""
    letters = []
    for column in range(1, count + 1):
        name = ""
        while column:
            column, remainder = divmod(column - 1, 26)
            name = chr(ord("A") + remainder) + name
        letters.append(name)
    return letters


class _Cells(dict):
    """A cell's XML after its reference, per value of one type, made when first asked for."""

    def __init__(self, make: Callable[[Any], str]):
        super().__init__()
        self.make = make

    def __missing__(self, value):
        xml = self[value] = self.make(value)
        return xml


class _CellsByType(dict):
    """:class:`_Cells` per type of value (ints are written as they come). A dict per type keeps
    apart the values Python holds equal: ``True`` and ``1.0``, ``Bold("x")`` and ``"x"``."""

    def __init__(self):
        super().__init__({
            str: _Cells(_text), Bold: _Cells(_bold_text), bool: _Cells(_boolean), float: _Cells(_real),
        })

    def __missing__(self, kind):
        raise TypeError(f"a cell holds a str, int, float, bool or None, not a {kind.__name__}")


def _text(value: str) -> str:
    # Most of a report's text is codes and ids, with nothing to remove, keep or escape.
    if value.isalnum() and len(value) <= MAX_CELL_CHARACTERS // 2:
        return f' t="inlineStr"><is><t>{value}</t></is></c>'
    # isprintable() is False for every character XML cannot hold, and quicker than looking for them.
    text = _fit(value if value.isprintable() else _NOT_XML.sub("", value))
    # Without xml:space, Excel drops spaces (and tabs, newlines) at either end.
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _bold_text(value: Bold) -> str:
    return f' s="1"{_text(value)}'


def _boolean(value: bool) -> str:
    return f' t="b"><v>{value:d}</v></c>'


def _real(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"a cell cannot hold {value}: Excel has no NaN or infinity")
    return f"><v>{value!r}</v></c>"


def _fit(text: str) -> str:
    """``text`` cut to Excel's limit, counted in UTF-16 units as Excel does (an emoji is two)."""
    if len(text) <= MAX_CELL_CHARACTERS // 2:
        return text
    units = text.encode("utf-16-le")
    # Cutting between the halves of an emoji leaves half of it, which decoding drops.
    return units[: 2 * MAX_CELL_CHARACTERS].decode("utf-16-le", errors="ignore")


def _escape(text: str) -> str:
    # A carriage return is written as a reference: XML readers turn a literal one into a newline.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _EXCEL_ESCAPE.sub(r"_x005F\1", text) if "_x" in text else text


def _content_types(sheets: int) -> str:
    overrides = [
        ("/xl/workbook.xml", f"{_CONTENT_TYPE}.sheet.main+xml"),
        ("/xl/styles.xml", f"{_CONTENT_TYPE}.styles+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        *((f"/xl/worksheets/sheet{n}.xml", f"{_CONTENT_TYPE}.worksheet+xml") for n in range(1, sheets + 1)),
    ]
    return (
        f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides)
        + "</Types>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    return (
        f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        + "".join(f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
                  for n, (kind, target) in enumerate(targets, 1))
        + "</Relationships>"
    )


def _package_relationships() -> str:
    return _relationships([
        (f"{_RELATIONSHIPS}/officeDocument", "xl/workbook.xml"),
        (f"{_PACKAGE_RELATIONSHIPS}/metadata/core-properties", "docProps/core.xml"),
    ])


def _workbook_relationships(sheets: int) -> str:
    """Sheet ``n`` is ``rIdn``, as :func:`_workbook` names it; the styles follow."""
    return _relationships([
        *((f"{_RELATIONSHIPS}/worksheet", f"worksheets/sheet{n}.xml") for n in range(1, sheets + 1)),
        (f"{_RELATIONSHIPS}/styles", "styles.xml"),
    ])


def _workbook(sheets: Sequence[Sheet]) -> str:
    listed = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>' for n, sheet in enumerate(sheets, 1)
    )
    return (
        f'{_XML_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f"<sheets>{listed}</sheets></workbook>"
    )


def _core_properties() -> str:
    """When the workbook was made; no author or other personal data."""
    made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'{_XML_DECLARATION}<cp:coreProperties'
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{made}</dcterms:created></cp:coreProperties>'
    )
