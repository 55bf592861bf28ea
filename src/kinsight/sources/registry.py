"""The source loading registry: one reader per ``format``, and the units a source is read in.

A source is read in *units*, each cached by its content hash: one file for the
single-file formats (a folder of monthly csv extracts is one unit per file, so a
refresh reads only the new file), one workbook for Annex A, one XML file for the
CIN census, one folder for the 903 (its tables only make sense together).

Every reader returns :class:`SourceTables`: typed Arrow tables by name, each with
``record_id`` (the source's own id for the person the row is about) and
``row_number``, plus the cells it had to blank. The statutory return readers
are the quality service's (``kinsight.sources.ssda903``, ``kinsight.sources.cin_census``).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from kinsight.core.config import SourceConfig
from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.sources import cin_census, ssda903
from kinsight.sources.annex_a import CHILD_ID, read_lists
from kinsight.sources.files import files_of, read_csv, read_xlsx, require_columns
from kinsight.sources.schema import CellIssue, SourceSchema, load_schema, type_columns

RECORD_ID = "record_id"
#: The table name of a single-table source (every partner extract).
RECORDS = "records"


@dataclass
class SourceTables:
    """One unit of a source, read and typed."""

    tables: dict[str, pa.Table]
    issues: list[CellIssue] = field(default_factory=list)
    #: The collection year a return's unit belongs to, where the format has one.
    collection_year: int | None = None


Reader = Callable[[SourceConfig, Path], SourceTables]


#: The statutory returns are declared by their own modules (per table and year), not here.
RETURN_SCHEMAS = {"ssda903": "ssda903", "cin_xml": "cin_census"}


def schema_name(source: SourceConfig) -> str:
    """The schema a source is read with: its return's, ``schema = "..."``, or its name."""
    return RETURN_SCHEMAS.get(source.format) or source.options.get("schema", source.name)


def schema_of(source: SourceConfig) -> SourceSchema:
    """The declared schema of a partner source or Annex A."""
    return load_schema(schema_name(source))


def paths_option(source: SourceConfig, key: str, base: Path) -> list[Path]:
    """A source option naming one path or a list of them (``previous``, ``providers``), each
    relative to ``base``, the folder of the configuration."""
    named = source.options.get(key, [])
    return [base / p for p in ([named] if isinstance(named, str) else named)]


def units_of(source: SourceConfig, base: Path) -> list[Path]:
    """The files (or, for the 903, folders) a source is read from, current year first.

    ``base`` is the folder of the configuration, which relative ``previous`` paths
    (earlier years' returns) are written against.
    """
    previous = paths_option(source, "previous", base)
    if source.format == "ssda903":
        folders = [source.path, *previous]
        for folder in folders:
            if not folder.is_dir():
                raise UnusableInput("the 903 folder was not found", file=folder)
        return folders
    if source.format == "cin_xml":
        return [*files_of(source.path, (".xml",)), *previous]
    if source.format == "annex_a":
        return files_of(source.path, (".xlsx",))
    if source.format in ("csv", "xlsx"):
        return files_of(source.path)
    raise KinsightError(f"source {source.name}: unknown format {source.format!r}; "
                        f"expected one of {', '.join(FORMATS)}")


def read_unit(source: SourceConfig, unit: Path) -> SourceTables:
    """Read and type one unit of a source with the reader its format names."""
    return FORMATS[source.format](source, unit)


def read_partner_file(source: SourceConfig, path: Path) -> SourceTables:
    """One partner extract (csv or xlsx), typed by the source's schema.

    The record id column and every column the deployment maps to a person
    attribute must be present; so must the schema's required fields. Other
    declared fields may be absent (they come out empty).
    """
    schema = schema_of(source)
    if source.format == "csv":
        raw = read_csv(path)
    else:
        raw = read_xlsx(path, sheet=source.options.get("sheet", 0))
    needed = [source.record_id, *source.columns.values(),
              *(f.name for f in schema.fields.values() if f.required and f.name != schema.record_id)]
    require_columns(raw, list(dict.fromkeys(needed)), file=path)
    typed, issues = type_columns(raw, schema.fields)
    typed = typed.append_column(RECORD_ID, raw[source.record_id].cast(pa.string()))
    return SourceTables({RECORDS: typed}, issues)


def read_annex_a(source: SourceConfig, path: Path) -> SourceTables:
    """An Annex A workbook: each list as ``list_<n>``, keyed by Child Unique ID."""
    lists, issues = read_lists(path, schema_of(source))
    tables = {}
    for number, table in lists.items():
        ids = table[CHILD_ID] if CHILD_ID in table.column_names else pa.nulls(table.num_rows, pa.string())
        tables[f"list_{number}"] = table.append_column(RECORD_ID, ids)
    return SourceTables(tables, issues)


def read_ssda903(source: SourceConfig, folder: Path) -> SourceTables:
    """A folder of one year's 903 tables, recognised by their columns (``kinsight.sources.ssda903``).

    The collection year is the source's ``year`` option for the current folder, else
    the folder's name (``returns/ssda903/2025``); a year with no declared layout of
    its own is read with the nearest declared one.
    """
    declared = source.options.get("year") if folder == source.path else None
    year = int(declared or _year_of(folder) or ssda903.LATEST_YEAR)
    found = ssda903.read_return([folder], _layout_year(ssda903.SCHEMA_FOLDER, year))
    tables = {}
    for name, table in found.tables.items():
        table = table.append_column("file", pa.array([str(found.files[name])] * table.num_rows, pa.string()))
        tables[name] = _keyed(table, "CHILD")
    return SourceTables(tables, collection_year=year)


def read_cin_xml(source: SourceConfig, path: Path) -> SourceTables:
    """One CIN census XML file, flattened into its tables (``kinsight.sources.cin_census``).

    The collection year is the source's ``year`` option for the current file, else
    the file name's (``cin_census_2026.xml``); a year with no declared layout of its
    own is read with the nearest declared one.
    """
    declared = source.options.get("year") if path == source.path else None
    year = int(declared or _year_of(path) or ssda903.LATEST_YEAR)
    census = cin_census.read_cin_census(path, _layout_year(cin_census.SCHEMAS, year))
    tables = {name: _keyed(table, cin_census.CHILD_ID) for name, table in census.tables.items()
              if name != "Header"}
    return SourceTables(tables, collection_year=year)


FORMATS: dict[str, Reader] = {
    "csv": read_partner_file,
    "xlsx": read_partner_file,
    "annex_a": read_annex_a,
    "ssda903": read_ssda903,
    "cin_xml": read_cin_xml,
}


def reader_digest(source: SourceConfig) -> str:
    """Changes whenever the way this source is read and typed changes (for caches).

    It covers the reading code itself as well as the declarations, so an upgrade
    that reads a format differently never reuses tables the old code made.
    """
    from kinsight.sources import annex_a, files, schema

    modules = [files, schema, sys.modules[__name__]]
    declarations: list[Path] = []
    if source.format == "ssda903":
        modules.append(ssda903)
        declarations = sorted(ssda903.SCHEMA_FOLDER.glob("*.yaml"))
    elif source.format == "cin_xml":
        modules.append(cin_census)
        declarations = sorted(cin_census.SCHEMAS.glob("*.yaml"))
    elif source.format == "annex_a":
        modules.append(annex_a)
    digest = hashlib.sha256()
    for path in [*(Path(m.__file__) for m in modules), *declarations]:
        digest.update(path.read_bytes())
    if source.format not in RETURN_SCHEMAS:
        digest.update(schema_of(source).digest.encode())
    return digest.hexdigest()[:16]


def _keyed(table: pa.Table, id_column: str) -> pa.Table:
    if RECORD_ID in table.column_names:
        return table
    ids = table[id_column] if id_column in table.column_names else pa.nulls(table.num_rows, pa.string())
    return table.append_column(RECORD_ID, ids.cast(pa.string()))


def _layout_year(folder: Path, year: int | str) -> int:
    """The declared layout to read a return of ``year`` with: its own, else the nearest earlier (or first)."""
    declared = sorted(int(p.stem) for p in folder.glob("*.yaml"))
    return max([y for y in declared if y <= int(year)] or declared[:1])


def _year_of(path: Path) -> int | None:
    found = re.findall(r"(20\d\d)", path.name)
    return int(found[-1]) if found else None
