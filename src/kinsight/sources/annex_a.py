"""The Ofsted Annex A workbook: child-level lists 1–11 prepared for an ILACS inspection.

Annex A workbooks are made by hand and differ between councils: title rows above
the header, "List 1 - Contacts" or "list1" as a sheet name, "Date of birth" or
"DOB" as a header. The lists and the patterns that recognise their columns are
declared in ``schemas/annex_a.yaml``; this module only interprets them.

``read_lists(path)`` gives each list present as a typed Arrow table;
``read_children(path)`` gives the distinct children across the lists, which is
what the child index links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kinsight.core.errors import UnusableInput
from kinsight.sources.files import ROW_NUMBER, read_xlsx, sheet_names
from kinsight.sources.schema import (
    CellIssue,
    FieldSpec,
    SourceSchema,
    fields_of,
    load_schema,
    normalise_header,
    type_columns,
)

CHILD_ID = "Child Unique ID"
CHILD_FIELDS = (CHILD_ID, "Gender", "Ethnicity", "Date of Birth")
FILE = "file"
LIST = "list"


def read_lists(path: Path | str, schema: SourceSchema | None = None) -> tuple[dict[int, pa.Table], list[CellIssue]]:
    """Every "List N" sheet of the workbook, typed, keyed by list number.

    Each table has the list's declared fields (child fields first) under their
    declared names, plus ``row_number`` (data row within the sheet). Cells that
    could not be typed are blanked and returned as issues, their field named
    ``List N / field``. A workbook without any list, or a list without a child id
    column, is unusable input naming the sheet.
    """
    path = Path(path)
    schema = schema or load_schema("annex_a")
    lists = {int(k): v or {} for k, v in schema.extra["lists"].items()}
    child_fields = fields_of(schema.extra["child_fields"])
    found = _list_sheets(path)
    if not found:
        raise UnusableInput("the workbook has no sheets named List 1 … List 11; is it an Annex A?",
                            file=path)
    tables, issues = {}, []
    for number, sheet in sorted(found.items()):
        if number not in lists:
            continue
        declared = fields_of(lists[number].get("fields") or {})
        if lists[number].get("children", True):
            declared = child_fields | declared
        raw = read_xlsx(path, sheet=sheet)
        renamed = _without_option_letters(_recognise_columns(raw, declared, path=path, sheet=sheet))
        typed, sheet_issues = type_columns(renamed, declared)
        tables[number] = typed
        issues += [CellIssue(f"{sheet} / {i.field}", i.problem, i.count, i.first_row)
                   for i in sheet_issues]
    return tables, issues


def read_children(path: Path | str) -> pa.Table:
    """The distinct children of an Annex A workbook, one row each.

    Columns ``Child Unique ID``, ``Gender``, ``Ethnicity``, ``Date of Birth``
    (date), ``file`` and ``row_number``; each child is described by the first
    row naming them, taking the lists in order. Rows without a child id are left
    out: there is nobody to link.
    """
    path = Path(path)
    tables, _ = read_lists(path)
    parts = [t.select([*CHILD_FIELDS, ROW_NUMBER]) for t in tables.values() if CHILD_ID in t.column_names]
    if not parts:
        return pa.table({**{name: pa.array([], pa.string()) for name in CHILD_FIELDS[:3]},
                         CHILD_FIELDS[3]: pa.array([], pa.date32()),
                         FILE: pa.array([], pa.string()), ROW_NUMBER: pa.array([], pa.int32())})
    rows = pa.concat_tables(parts)
    rows = rows.filter(pc.is_valid(rows[CHILD_ID]))
    first = rows.group_by(CHILD_ID, use_threads=False).aggregate(
        [(name, "first") for name in (*CHILD_FIELDS[1:], ROW_NUMBER)])
    first = first.rename_columns([CHILD_ID, *CHILD_FIELDS[1:], ROW_NUMBER])
    return first.select(list(CHILD_FIELDS)).append_column(
        FILE, pa.array([str(path)] * first.num_rows, pa.string())
    ).append_column(ROW_NUMBER, first[ROW_NUMBER])


def _list_sheets(path: Path) -> dict[int, str]:
    names = sheet_names(path)
    found: dict[int, str] = {}
    for name in names:
        match = re.match(r"list(\d+)", normalise_header(name))
        if match:
            found.setdefault(int(match.group(1)), name)
    return found


def _without_option_letters(table: pa.Table) -> pa.Table:
    """Drop the letter Annex A drop-down values start with: "b) Female" is "Female".

    The Ofsted template's lists offer answers as "a) Male", "b) Female", "a) Yes" …;
    the letter is the option's position, not part of the answer.
    """
    return pa.table({
        name: pc.replace_substring_regex(column, r"^\s*[a-z]\)\s*", "")
        if pa.types.is_string(column.type) else column
        for name, column in zip(table.column_names, table.columns)
    })


def _recognise_columns(table: pa.Table, declared: dict[str, FieldSpec], *, path: Path, sheet: str) -> pa.Table:
    """The table with each declared field's column renamed to the field's name."""
    headers = {normalise_header(name): name for name in table.column_names if name != ROW_NUMBER}
    columns = {}
    for spec in declared.values():
        pattern = re.compile(spec.match or re.escape(normalise_header(spec.name)))
        column = next((original for norm, original in headers.items() if pattern.fullmatch(norm)), None)
        if column is None:
            if spec.required:
                raise UnusableInput(
                    f"sheet {sheet!r} has no {spec.name!r} column; its columns are "
                    f"{', '.join(headers.values())}", file=path, field=spec.name)
            continue
        columns[spec.name] = table[column]
    columns[ROW_NUMBER] = table[ROW_NUMBER]
    return pa.table(columns)
