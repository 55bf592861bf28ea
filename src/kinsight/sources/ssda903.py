"""Reading an SSDA903 return: the CSV tables or the DfE XML, into Arrow tables of text.

The tables of each collection year are declared as data in ``schemas/ssda903/``
(a year is a layer over the one before). A CSV is assigned to a table by its exact
set of column names, as DfE tools and the sector's validator do, because file
names vary from one case management system to the next. Every row keeps its
lineage: the file it came from and its 1-based data row (``row_number``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kinsight.core.deferred import deferred
from kinsight.core.errors import UnusableInput
from kinsight.sources.files import (
    ROW_NUMBER,
    csv_header,
    csv_scan,
    files_of,
    is_workbook,
    read_table,
    return_file,
    with_row_numbers,
)
from kinsight.sources.layers import load_layered

pa = deferred("pyarrow")

SCHEMA_FOLDER = Path(__file__).parent / "schemas" / "ssda903"
#: The collection year whose tables ``read_header`` recognises when none is given.
LATEST_YEAR = 2027


@dataclass(frozen=True)
class TableSchema:
    """One 903 table: its DfE key, exact columns, fields that may be blank, XML layout."""

    name: str
    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    xml: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def xml_only(self) -> bool:
        """Whether only the DfE XML carries this table (it is never recognised from a CSV)."""
        return bool(self.xml.get("only"))

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)


@dataclass
class Return903:
    """The tables of one SSDA903 return as read, with where each came from."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    #: Tables left unread (``read_return(…, scan_csv=True)``): DuckDB's scan of each one's CSV file.
    scans: dict[str, str] = field(default_factory=dict)


@cache
def schema(year: int) -> dict[str, TableSchema]:
    """The 903 tables of a collection year (``2026`` = 2025/26), by DfE table key."""
    return {
        item["name"]: TableSchema(
            name=item["name"],
            columns=tuple(item["columns"]),
            optional=tuple(item.get("optional", ())),
            xml=item.get("xml", {}),
        )
        for item in load_layered(SCHEMA_FOLDER, int(year), items="tables", key="name")
    }


def _declared_years() -> list[int]:
    return sorted(int(p.stem) for p in SCHEMA_FOLDER.glob("*.yaml"))


def recognise(columns: Iterable[str], year: int, *, file: Path | str | None = None) -> str:
    """The table whose exact column set these columns are; else a message naming the closest."""
    given = {c.strip().upper() for c in columns}
    tables = schema(year)
    tables = {name: table for name, table in tables.items() if not table.xml_only}
    for table in tables.values():
        if given == set(table.columns):
            return table.name
    for other_year in _declared_years():
        for table in schema(other_year).values():
            if given == set(table.columns) and table.name not in tables and not table.xml_only:
                raise UnusableInput(
                    f"this is the {table.name} table, which is not part of the {int(year) - 1}/{str(year)[2:]} "
                    "return; remove it or validate the year that collects it",
                    file=file,
                )
    closest = max(tables.values(), key=lambda t: len(given & set(t.columns)) - len(given ^ set(t.columns)) / 100)
    missing = [c for c in closest.columns if c not in given]
    extra = sorted(given - set(closest.columns))
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected column(s) {', '.join(extra)}")
    raise UnusableInput(
        f"matches no SSDA903 table of {int(year) - 1}/{str(year)[2:]}; it looks closest to "
        f"{closest.name}, with {' and '.join(parts)}",
        file=file,
        field=(missing or extra or [None])[0],
    )


def read_return(paths: Iterable[Path | str], year: int, *, scan_csv: bool = False) -> Return903:
    """Read the files (or folders of files) of one 903 return into its tables.

    CSV and xlsx files are recognised by their columns; an ``.xml`` file is the DfE
    903 XML and yields every table it holds. Two files for the same table are
    refused, because which one is meant cannot be guessed.

    ``scan_csv``: leave the CSV files DuckDB can read unread, recognised by their header
    alone, and give instead, in ``scans``, DuckDB's scan of each
    (:func:`~kinsight.sources.files.csv_scan`), for a validator to load straight into its
    database.
    """
    result = Return903()
    for path in paths:
        for file in files_of(path, (".csv", ".xlsx", ".xml")):
            return_file(file)
            if file.suffix.lower() == ".xml":
                found = read_xml(file, year)
            elif scan_csv and (scanned := _scan_of(file, year)):
                found = dict([scanned])
            else:
                table = read_table(file)
                name = recognise([c for c in table.column_names if c != ROW_NUMBER], year, file=file)
                found = {name: _in_schema_order(table, schema(year)[name])}
            for name, table in found.items():
                if name in result.files:
                    raise UnusableInput(
                        f"holds the {name} table, which {result.files[name]} already supplied; "
                        "give each table once",
                        file=file,
                    )
                (result.scans if isinstance(table, str) else result.tables)[name] = table
                result.files[name] = file
    return result


def _scan_of(file: Path, year: int) -> tuple[str, str] | None:
    """The table a CSV file is, recognised by its header, and DuckDB's scan of it reading its
    columns under their DfE spelling; None when the file is to be read by Arrow instead."""
    if is_workbook(file):
        return None
    spelt = [c.upper() for c in csv_header(file)]
    if len(set(spelt)) != len(spelt):
        return None  # a repeated column: Arrow's reader says what is wrong
    name = recognise(spelt, year, file=file)
    scan = csv_scan(file, spelt)
    return (name, scan) if scan else None


def read_xml(path: Path | str, year: int) -> dict[str, pa.Table]:
    """Read the DfE SSDA903 XML (root ``EXPSSDA903``, one ``CHILD`` per child), streaming.

    Fields directly under ``CHILD`` and ``HEADER`` belong to the child; each
    repeating element (``EPISODE``, ``AREVIEW``, ``AMISSING`` …) is one row of its
    table carrying the child's fields too. Elements are cleared as soon as they
    are read, so memory stays flat however large the file.
    """
    from lxml import etree

    path = return_file(path)
    tables = schema(year)
    by_tag = {t.xml["rows"]: t for t in tables.values() if t.xml.get("rows", "child") != "child"}
    per_child = [t for t in tables.values() if t.xml.get("rows") == "child"]
    renames = {old: new for t in tables.values() for old, new in t.xml.get("rename", {}).items()}
    renames["CHILDID"] = "CHILD"
    rows: dict[str, list[dict]] = {name: [] for name in tables}

    def walk(element, fields: dict, groups: list) -> None:
        for sub in element:
            if not isinstance(sub.tag, str):
                continue  # comments and processing instructions
            if sub.tag in by_tag:
                group: dict = {}
                groups.append((by_tag[sub.tag].name, group))
                walk(sub, group, groups)
            elif len(sub):
                walk(sub, fields, groups)
            else:
                text = (sub.text or "").strip()
                fields[renames.get(sub.tag, sub.tag)] = text or None

    try:
        for _, child in etree.iterparse(str(path), events=("end",), tag="CHILD", huge_tree=True):
            fields: dict = {}
            groups: list = []
            walk(child, fields, groups)
            for table in per_child:
                when = table.xml.get("when")
                if when is None or fields.get(when):
                    rows[table.name].append(fields)
            for name, group in groups:
                rows[name].append({**fields, **group})
            child.clear()
            while child.getprevious() is not None:
                del child.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise UnusableInput(f"not well-formed XML ({exc.msg})", file=path, row=exc.lineno) from None
    if not rows["Header"]:
        raise UnusableInput("no CHILD elements found; is this the DfE SSDA903 XML?", file=path)
    return {
        name: with_row_numbers(
            pa.table({c: pa.array([r.get(c) for r in found], pa.string()) for c in tables[name].columns})
        )
        for name, found in rows.items()
        if found
    }


def read_header(path_or_folder: Path | str, year: int | None = None) -> pa.Table:
    """The Header table of a 903 return (one row per child) with lineage ``file, row_number``.

    This is the person table record linkage reads: CHILD, SEX, DOB, ETHNIC, UPN,
    MOTHER, MC_DOB as text, plus where each row came from.
    """
    found = read_return([path_or_folder], year or LATEST_YEAR)
    if "Header" not in found.tables:
        raise UnusableInput("no Header table (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB) found", file=path_or_folder)
    header = found.tables["Header"]
    return header.append_column("file", pa.array([str(found.files["Header"])] * header.num_rows, pa.string()))


def _in_schema_order(table: pa.Table, table_schema: TableSchema) -> pa.Table:
    """Columns renamed to their DfE spelling and put in the declared order."""
    by_upper = {name.strip().upper(): name for name in table.column_names}
    return pa.table(
        {c: table.column(by_upper[c]) for c in table_schema.columns} | {ROW_NUMBER: table.column(ROW_NUMBER)}
    )
