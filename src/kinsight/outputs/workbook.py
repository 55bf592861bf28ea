"""Spreadsheets in the Analysis Function style ("Releasing statistics in spreadsheets").

A cover sheet, a contents sheet and a notes sheet, then one table per worksheet: A1 the
title, A2 a description, the table from A4 as a named Excel table with a header row. No
merged cells, no blank rows inside a table, no meaning carried by colour alone, the
document title set. Tables given here must already be disclosure-controlled.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter


@dataclass(frozen=True)
class Sheet:
    """One table: its worksheet title, a one-line description, its rows and its notes."""

    title: str
    description: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()


@dataclass
class Workbook:
    """What goes on the cover, and the tables."""

    title: str
    summary: str
    source: str
    contact: str = "The local authority's performance and information team"
    sheets: list[Sheet] = field(default_factory=list)
    general_notes: tuple[str, ...] = ()


def _table_name(index: int) -> str:
    return f"Table_{index}"


def _column_header(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _value(cell):
    """Numbers stay numbers (so they sort and sum); symbols and text stay text."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return "x"
    if hasattr(cell, "item"):
        cell = cell.item()
    if isinstance(cell, str) and re.fullmatch(r"-?\d+(\.\d+)?", cell):
        return float(cell)
    return cell if isinstance(cell, (int, float)) else str(cell)


def write(book: Workbook, path: Path) -> Path:
    """Write the workbook (atomically: a failure leaves no half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".xlsx-", suffix=".xlsx")
    os.close(handle)
    try:
        _write(book, Path(staging))
        os.chmod(staging, 0o644)  # mkstemp makes it private; a release is meant to be shared
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
    return path


def _write(book: Workbook, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    workbook.set_properties({"title": book.title, "subject": book.summary, "author": "Kinsight"})
    title = workbook.add_format({"bold": True, "font_size": 16})
    heading = workbook.add_format({"bold": True, "font_size": 12})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    link = workbook.add_format({"font_color": "#1d70b8", "underline": 1})

    cover = workbook.add_worksheet("Cover")
    cover.set_column(0, 0, 100, wrap)
    lines = [(book.title, title), ("About these tables", heading), (book.summary, wrap),
             ("Source", heading), (book.source, wrap), ("Contact", heading), (book.contact, wrap)]
    for row, (text, fmt) in enumerate(lines):
        cover.write(row, 0, text, fmt)

    notes = [*book.general_notes, *(n for sheet in book.sheets for n in sheet.notes)]
    contents = workbook.add_worksheet("Contents")
    contents.write(0, 0, "Contents", title)
    contents.write(1, 0, f"This workbook has {len(book.sheets)} tables and a notes sheet.")
    contents.set_column(0, 0, 16)
    contents.set_column(1, 1, 90)
    rows = [["Notes", "Notes that apply to the tables"]] + [
        [_table_name(i), sheet.title] for i, sheet in enumerate(book.sheets, start=1)
    ]
    contents.add_table(2, 0, 2 + len(rows), 1, {
        "name": "Contents", "style": "Table Style Light 1",
        "columns": [{"header": "Sheet"}, {"header": "Table title"}],
    })
    for offset, (sheet_name, text) in enumerate(rows, start=3):
        contents.write_url(offset, 0, f"internal:'{sheet_name}'!A1", link, sheet_name)
        contents.write(offset, 1, text)

    notes_sheet = workbook.add_worksheet("Notes")
    notes_sheet.write(0, 0, "Notes", title)
    notes_sheet.write(1, 0, "Notes on the tables in this workbook.")
    notes_sheet.set_column(0, 0, 12)
    notes_sheet.set_column(1, 1, 110, wrap)
    notes_sheet.add_table(2, 0, 2 + max(len(notes), 1), 1, {
        "name": "Notes", "style": "Table Style Light 1",
        "columns": [{"header": "Note number"}, {"header": "Note text"}],
    })
    for offset, text in enumerate(notes or ["No notes."], start=3):
        notes_sheet.write(offset, 0, f"Note {offset - 2}")
        notes_sheet.write(offset, 1, text)

    for index, sheet in enumerate(book.sheets, start=1):
        worksheet = workbook.add_worksheet(_table_name(index))
        worksheet.write(0, 0, sheet.title, title)
        worksheet.write(1, 0, sheet.description)
        worksheet.write(2, 0, "Symbols: c suppressed to protect confidentiality; k rounds to "
                              "zero; u low reliability; x not available; z not applicable.")
        frame = sheet.table
        columns = [{"header": _column_header(str(c))} for c in frame.columns]
        last_row = 3 + max(len(frame), 1)
        worksheet.add_table(3, 0, last_row, max(len(columns) - 1, 0), {
            "name": _table_name(index), "style": "Table Style Light 1", "columns": columns,
        })
        for r, record in enumerate(frame.itertuples(index=False), start=4):
            for c, cell in enumerate(record):
                worksheet.write(r, c, _value(cell))
        for c, column in enumerate(frame.columns):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            worksheet.set_column(c, c, min(max(width + 2, 10), 60))
    workbook.close()
