"""Reading Ofsted's lists of children's social care providers, as an LA downloads them.

Two lists matter to the SSDA903: the *children's homes* list and the *social care
providers* list (fostering and adoption agencies, residential family centres …). Each
gives, for every provider's Ofsted unique reference number (URN), the placement types and
provider codes it may be recorded with, the date it closed or was deregistered, and its
postcode. 903 rules 219–229 and 1008 check episodes' URNs against them.

A list is an xlsx workbook (every sheet whose columns are one of the lists' is read, so
the social care providers list's "current" and "closed" sheets are both taken) or a CSV of
one sheet. It is recognised by its columns, which are matched ignoring case and spaces at
either end. The provider table has one row per provider and sheet row:

``URN``             the provider's URN;
``PLACE_CODES``     the placement types (903 ``PLACE``) it may be recorded with, comma-separated;
``PROVIDER_CODES``  the placement provider codes (903 ``PLACE_PROVIDER``), comma-separated;
``REG_END``         the day it closed or was deregistered, ``dd/mm/YYYY`` (blank if open);
``POSTCODE``        its setting's postcode, upper case without spaces.

Ofsted writes several codes in one cell separated by ``/`` or ``,``; both are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kinsight.core.deferred import deferred
from kinsight.core.errors import UnusableInput
from kinsight.sources.files import (
    ROW_NUMBER,
    files_of,
    is_workbook,
    parse_dates,
    read_csv,
    read_xlsx,
    sheet_names,
)

pa = deferred("pyarrow")
pc = deferred("pyarrow.compute")

PROVIDER_COLUMNS = ("URN", "PLACE_CODES", "PROVIDER_CODES", "REG_END", "POSTCODE")

#: Each list's own column for each provider column (alternatives in order of preference),
#: as csc-validator-be-903 reads them. ``REG_END`` may be absent: the sheet of current
#: social care providers has no deregistration date.
LISTS = {
    "children's homes list": {
        "URN": ("URN",),
        "PLACE_CODES": ("Provider Code",),
        "PROVIDER_CODES": ("Provider Placement Code",),
        "REG_END": ("Closed Date",),
        "POSTCODE": ("Setting Postcode", "Setting Address Postcode"),
    },
    "social care providers list": {
        "URN": ("URN",),
        "PLACE_CODES": ("Placement code",),
        "PROVIDER_CODES": ("Placement provider code",),
        "REG_END": ("Deregistration date",),
        "POSTCODE": ("Setting postcode",),
    },
}
OPTIONAL = ("REG_END",)


def read_providers(paths: Iterable[Path | str]) -> list[tuple[Path, pa.Table]]:
    """Each provider list file (or folder of them) as the provider table, with its file.

    Raises :class:`UnusableInput` naming the file (sheet), row and field for a file that is
    not one of the lists, a date that is not a date, or a file that cannot be read.
    """
    found = []
    for path in paths:
        for file in files_of(path):
            found.append((file, _read_list(file)))
    return found


def _read_list(file: Path) -> pa.Table:
    if not is_workbook(file):
        return _provider_table(read_csv(file), file)
    sheets = {name: read_xlsx(file, sheet=name) for name in sheet_names(file)}
    usable = [(name, table) for name, table in sheets.items() if _layout(table.column_names) is not None]
    if not usable:
        # Name what the sheet most like a list lacks.
        _provider_table(max(sheets.values(), key=lambda t: t.num_columns), file)
    tables = [_provider_table(table, f"{file} (sheet {name})") for name, table in usable]
    return pa.concat_tables(tables)


def _layout(columns: list[str]) -> dict[str, str] | None:
    """The list whose columns these are, as provider column → the file's column."""
    by_name = {c.strip().lower(): c for c in columns}
    for wanted in LISTS.values():
        chosen = {}
        for target, names in wanted.items():
            column = next((by_name[n.lower()] for n in names if n.lower() in by_name), None)
            if column is not None:
                chosen[target] = column
            elif target not in OPTIONAL:
                break
        else:
            return chosen
    return None


def _provider_table(table: pa.Table, where) -> pa.Table:
    layout = _layout(table.column_names)
    if layout is None:
        raise UnusableInput(_not_a_list(table.column_names), file=where, field=_first_missing(table.column_names))
    urn = pc.utf8_upper(pc.utf8_trim_whitespace(table[layout["URN"]]))
    kept = table.filter(pc.is_valid(urn))

    def column(name: str):
        return kept[layout[name]] if name in layout else pa.nulls(kept.num_rows, pa.string())

    return pa.table({
        "URN": pc.utf8_upper(pc.utf8_trim_whitespace(column("URN"))),
        "PLACE_CODES": _code_list(column("PLACE_CODES")),
        "PROVIDER_CODES": _code_list(column("PROVIDER_CODES")),
        "REG_END": _day(column("REG_END"), kept[ROW_NUMBER], layout.get("REG_END"), where),
        "POSTCODE": pc.replace_substring(pc.utf8_upper(column("POSTCODE")), " ", ""),
        ROW_NUMBER: kept[ROW_NUMBER],
    })


def _code_list(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """``K1/K2`` or ``K1, K2`` as ``K1,K2``."""
    return pc.replace_substring(pc.replace_substring(pc.utf8_upper(values), "/", ","), " ", "")


def _day(values: pa.ChunkedArray, rows: pa.ChunkedArray, column: str | None, where) -> pa.Array:
    """Dates as ``dd/mm/YYYY`` text; a filled cell that is not a date is refused."""
    parsed = parse_dates(values)
    unreadable = pc.and_(pc.is_valid(values), pc.is_null(parsed))
    if pc.any(unreadable).as_py():
        index = pc.index(unreadable, True).as_py()
        raise UnusableInput(f"{values[index].as_py()!r} is not a date", file=where, row=rows[index].as_py(),
                            field=column)
    return pc.strftime(parsed, format="%d/%m/%Y")


def _not_a_list(columns: list[str]) -> str:
    lacking = "; ".join(f"the {name} needs {', '.join(_missing(columns, wanted))}" for name, wanted in LISTS.items())
    return f"is not one of Ofsted's provider lists ({lacking})"


def _missing(columns: list[str], wanted: dict[str, tuple[str, ...]]) -> list[str]:
    have = {c.strip().lower() for c in columns}
    return [names[0] for target, names in wanted.items()
            if target not in OPTIONAL and not any(n.lower() in have for n in names)]


def _first_missing(columns: list[str]) -> str | None:
    closest = min(LISTS.values(), key=lambda wanted: len(_missing(columns, wanted)))
    return (_missing(columns, closest) or [None])[0]
