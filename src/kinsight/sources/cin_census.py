"""Reading the CIN census XML into the flat tables the DfE rules are written against.

The census is one XML file per LA per year; a large LA's file holds 25,000 children
or more. It is streamed with ``lxml.iterparse``: each ``Child`` is flattened as soon
as it has been read and then freed, so time grows linearly and memory stays flat
whatever the size of the file. (The sector's validator concatenates a DataFrame per
child, which grows quadratically: minutes for a large LA.)

The tables and their fields are declared per collection year in
``schemas/cin/<year>.yaml``. Every row carries ``LAchildID``, the synthetic keys of
the rows it sits in (``CINdetailsID``, ``AssessmentID``, ``CPPID``) and its lineage:
``row_number``, the child's 1-based position in the file, so every message points at
a child a user can find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.sources.files import ROW_NUMBER, return_file
from kinsight.sources.layers import load_layered

SCHEMAS = Path(__file__).parent / "schemas" / "cin"
ROOT = "Message"
CHILD = "Child"
CHILD_ID = "LAchildID"


@dataclass(frozen=True)
class TableSpec:
    """One flattened table: the element holding a row and where it sits."""

    name: str
    element: str
    parent: str | None  # the table (or "Child") this element sits in; None for Header
    path: str  # from the parent's element to this one, e.g. "Disabilities/Disability"
    fields: tuple[str, ...]
    text_field: str | None
    keys: tuple[str, ...]
    dates: frozenset[str]
    one_per_child: bool
    #: an empty grouping element (``<Reviews/>``) still counts as a row, with no value
    empty_group_row: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.fields if self.text_field is None else (self.text_field,)


@dataclass(frozen=True)
class CinSchema:
    """The tables of one collection year, parents before children."""

    year: int
    tables: tuple[TableSpec, ...]

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    def children_of(self, parent: str) -> tuple[TableSpec, ...]:
        return tuple(t for t in self.tables if t.parent == parent)

    def inherited_keys(self, spec: TableSpec) -> tuple[str, ...]:
        """The synthetic keys a row of ``spec`` carries: its ancestors' then its own."""
        keys: tuple[str, ...] = ()
        parent = spec.parent
        while parent not in (None, CHILD):
            parent_spec = self.table(parent)
            keys = parent_spec.keys + keys
            parent = parent_spec.parent
        return keys + spec.keys

    def columns_of(self, spec: TableSpec) -> tuple[str, ...]:
        """A table's columns besides ``row_number``: the child, the keys, the fields."""
        if spec.parent is None:
            return spec.columns
        own = tuple(c for c in spec.columns if c != CHILD_ID)
        return (CHILD_ID, *self.inherited_keys(spec), *own)


@cache
def schema(year: int | str) -> CinSchema:
    """The CIN census tables of collection ``year`` (2026 = 2025/26)."""
    specs = []
    for item in load_layered(SCHEMAS, year, items="tables", key="name"):
        within = item.get("within")
        parent, _, between = (within or "").partition("/")
        if "/" in between:
            # The reader handles one grouping element (Disabilities, Reviews, …), as every
            # CIN module has; a deeper layout would need the reader extending first.
            raise KinsightError(f"CIN schema {year}, table {item['name']}: within {within!r} is too deep")
        path = f"{between}/{item['element']}" if between else item["element"]
        specs.append(
            TableSpec(
                name=item["name"],
                element=item["element"],
                parent=parent or None,
                path=path,
                fields=tuple(item.get("fields", ())),
                text_field=item.get("text"),
                keys=tuple(item.get("keys", ())),
                dates=frozenset(item.get("dates", ())),
                one_per_child=bool(item.get("one", False)),
                empty_group_row=bool(item.get("empty_group_row", False)),
            )
        )
    return CinSchema(int(year), tuple(specs))


@dataclass
class CinCensus:
    """A CIN census file read into Arrow tables, with what could not be typed."""

    file: Path
    year: int
    tables: dict[str, pa.Table]
    children: int
    #: cells whose text is not a valid xs:date: (table, row_number, child_id, field, value)
    bad_dates: list[tuple[str, int, str | None, str, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows across every table except the single Header row."""
        return sum(t.num_rows for name, t in self.tables.items() if name != "Header")


class _Columns:
    """The rows of one table as tuples, turned into columns once at the end (the
    per-row work is a C-level ``map``; the transpose a C-level ``zip``)."""

    def __init__(self, spec: TableSpec, columns: tuple[str, ...]):
        self.spec = spec
        self.names = (ROW_NUMBER, *columns)
        self.rows: list[tuple] = []

    def add(self, row: dict) -> None:
        self.rows.append(tuple(map(row.get, self.names)))

    @property
    def values(self) -> dict[str, list]:
        columns = zip(*self.rows) if self.rows else ([] for _ in self.names)
        return dict(zip(self.names, map(list, columns)))


def _local(tag) -> str | None:
    """An element's name without its namespace; None for comments and processing
    instructions, whose ``tag`` is not a string."""
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2]


def _values_of(element, namespace: int = 0) -> dict[str, str | None]:
    """The text of each child element, by name (``namespace``: the length of the
    ``{uri}`` prefix to drop). Whitespace around values is not data."""
    values: dict[str, str | None] = {}
    for child in element:
        tag = child.tag
        if tag.__class__ is str:  # comments and processing instructions are not data
            name = tag[namespace:]
            if name not in values:
                text = child.text
                values[name] = (text.strip() or None) if text is not None else None
    return values


@dataclass
class _Node:
    """How to read one element: its table's fields, and which child elements hold
    rows of other tables (directly, or inside a grouping element like Disabilities)."""

    spec: TableSpec | None
    columns: _Columns | None
    fields: frozenset[str]
    passed_down: tuple[str, ...]  # the keys a row of a nested table inherits
    nested: dict[str, _Node] = field(default_factory=dict)
    grouped: dict[str, dict[str, _Node]] = field(default_factory=dict)


class _Flattener:
    """Turns one ``Child`` element at a time into rows of every table.

    Each element's children are visited once: a field is stored, a nested module
    becomes a row of its table. The tree of tables is worked out once from the schema,
    so per element only dict look-ups run; that is what keeps 25,000 children fast.
    """

    def __init__(self, cin_schema: CinSchema, namespace: str = ""):
        self.namespace = len(namespace)
        self.columns = {
            spec.name: _Columns(spec, cin_schema.columns_of(spec))
            for spec in cin_schema.tables
            if spec.name != "Header"
        }
        nodes = {CHILD: _Node(None, None, frozenset(), (ROW_NUMBER, CHILD_ID))}
        for spec in cin_schema.tables:
            if spec.parent is None:
                continue
            keys = (ROW_NUMBER, CHILD_ID, *cin_schema.inherited_keys(spec))
            nodes[spec.name] = _Node(spec, self.columns[spec.name], frozenset(spec.fields) - {CHILD_ID}, keys)
        for spec in cin_schema.tables:
            if spec.parent is None:
                continue
            steps = spec.path.split("/")
            parent = nodes[spec.parent]
            if len(steps) == 1:
                parent.nested[steps[0]] = nodes[spec.name]
            else:  # one grouping element between parent and row, as every CIN module has
                parent.grouped.setdefault(steps[0], {})[steps[1]] = nodes[spec.name]
        self.child = nodes[CHILD]
        self.one_per_child = [n for n in self.child.nested.values() if n.spec.one_per_child]
        self.identifiers = namespace + "ChildIdentifiers"

    def add_child(self, child, position: int) -> None:
        context = {ROW_NUMBER: position, CHILD_ID: None}
        identifiers = child.find(self.identifiers)
        if identifiers is not None:
            context[CHILD_ID] = _values_of(identifiers, self.namespace).get(CHILD_ID)
        seen = self._nested_rows(self.child, child, context)
        for node in self.one_per_child:
            if node.spec.name not in seen:
                node.columns.add(context)

    def _nested_rows(self, node: _Node, element, row: dict) -> set[str]:
        """Read the fields of ``element`` into ``row`` and add rows for its modules."""
        modules = []
        prefix = self.namespace
        for child in element:
            tag = child.tag
            if tag.__class__ is not str:
                continue
            name = tag[prefix:]
            nested = node.nested.get(name)
            if nested is not None:
                modules.append((nested, child))
            elif name in node.grouped:
                inside = node.grouped[name]
                before = len(modules)
                for grandchild in child:
                    inner = grandchild.tag
                    if inner.__class__ is str and inner[prefix:] in inside:
                        modules.append((inside[inner[prefix:]], grandchild))
                if len(modules) == before:
                    modules.extend((n, None) for n in inside.values() if n.spec.empty_group_row)
            elif name in node.fields and name not in row:
                text = child.text
                row[name] = (text.strip() or None) if text is not None else None
        if node.columns is not None:
            node.columns.add(row)
        numbers: dict[str, int] = {}
        for module, module_element in modules:
            spec = module.spec
            context = {key: row.get(key) for key in node.passed_down}
            number = numbers[spec.name] = numbers.get(spec.name, 0) + 1
            for key in spec.keys:
                context[key] = number
            if spec.text_field is not None:
                text = None if module_element is None else module_element.text
                context[spec.text_field] = (text.strip() or None) if text else None
                module.columns.add(context)
            else:
                self._nested_rows(module, module_element, context)
        return set(numbers)

    def tables(self, bad_dates: list) -> dict[str, pa.Table]:
        out = {}
        for name, cols in self.columns.items():
            out[name] = _typed(cols.spec, cols.values, bad_dates)
        return out


def _typed(spec: TableSpec, values: dict[str, list], bad_dates: list) -> pa.Table:
    """Arrow columns: ``row_number`` and keys as int32, dates as date32, the rest text.

    A date that does not parse becomes null and is recorded in ``bad_dates``, so a
    single bad cell never stops the read and is still reported.
    """
    arrays = {}
    for name, column in values.items():
        if name == ROW_NUMBER or name in ("CINdetailsID", "AssessmentID", "CPPID"):
            arrays[name] = pa.array(column, pa.int32())
        elif name in spec.dates:
            text = pa.array(column, pa.string())
            parsed = pc.cast(
                pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32()
            )
            # strptime rolls impossible days over (30 February becomes 2 March) and accepts
            # unpadded parts, so a date is only valid if it prints back as it was written.
            exact = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text)
            parsed = pc.if_else(exact, parsed, pa.scalar(None, pa.date32()))
            unparsed = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(exact, False)))
            child_ids = values.get(CHILD_ID)
            for i in pc.indices_nonzero(unparsed).to_pylist():
                child_id = child_ids[i] if child_ids else None
                bad_dates.append((spec.name, values[ROW_NUMBER][i], child_id, name, column[i]))
            arrays[name] = parsed
        else:
            arrays[name] = pa.array(column, pa.string())
    return pa.table(arrays)


def _header_table(spec: TableSpec, element, bad_dates: list, namespace: int = 0) -> pa.Table:
    """The single Header row: CollectionDetails and Source flattened together."""
    row: dict = {ROW_NUMBER: 1}
    if element is not None:
        for block in element:
            row.update({k: v for k, v in _values_of(block, namespace).items() if k in spec.fields})
    values = {ROW_NUMBER: [1], **{name: [row.get(name)] for name in spec.fields}}
    return _typed(spec, values, bad_dates)


def read_cin_census(path: Path | str, year: int | str) -> CinCensus:
    """Stream a CIN census XML file into the tables of collection ``year``.

    Raises :class:`UnusableInput` naming the file (and line, for malformed XML) when
    the file is missing, empty, not well-formed XML, or not a CIN census (its root
    element is not ``Message``). Missing or invalid elements inside a well-formed
    census are not errors here: they become nulls that the DfE rules report.
    """
    path = return_file(path)
    cin_schema = schema(year)
    flattener = None
    header_element = None
    children = 0
    root_checked = False
    bad_dates: list = []
    context = etree.iterparse(
        str(path), events=("end",), tag=("{*}Header", "{*}Child"), huge_tree=True,
        resolve_entities=False, no_network=True,
    )
    try:
        for _, element in context:
            if not root_checked:
                root = element.getroottree().getroot()
                _check_root(root, path)
                root_checked = True
                # A namespaced file (rare, but XML allows it) has "{uri}" on every tag.
                namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
                flattener = _Flattener(cin_schema, namespace)
            if _local(element.tag) == "Header":
                # The Message/Header, not a Header that some tool nested elsewhere.
                if element.getparent() is not None and element.getparent().getparent() is None:
                    header_element = element
                    header_table = _header_table(
                        cin_schema.table("Header"), element, bad_dates, flattener.namespace
                    )
                continue
            children += 1
            flattener.add_child(element, children)
            # Free the child and every earlier sibling: this keeps memory flat.
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        where = f"line {line}: " if line else ""
        raise UnusableInput(f"{where}not well-formed XML ({error.msg})", file=path) from None
    if not root_checked:
        _check_root(context.root, path)
    if flattener is None:
        flattener = _Flattener(cin_schema)
    if header_element is None:
        header_table = _header_table(cin_schema.table("Header"), None, bad_dates)
    tables = {"Header": header_table, **flattener.tables(bad_dates)}
    return CinCensus(path, cin_schema.year, tables, children, bad_dates)


def _check_root(root, path: Path) -> None:
    name = _local(root.tag) if root is not None else None
    if name != ROOT:
        raise UnusableInput(
            f"this is not a CIN census file: its root element is <{name}>, expected <{ROOT}>",
            file=path,
        )


def read_children(path: Path | str, year: int | str = 2026) -> pa.Table:
    """One row per ``Child`` for linkage: identifiers, characteristics and lineage.

    Columns: ``LAchildID, UPN, FormerUPN, PersonBirthDate, ExpectedPersonBirthDate,
    Sex, GenderCurrent, PersonDeathDate, Ethnicity, row_number, file``; ``row_number``
    is the child's position in the file.
    """
    census = read_cin_census(path, year)
    identifiers = census.tables["ChildIdentifiers"]
    ethnicity = census.tables["ChildCharacteristics"].column("Ethnicity")
    columns = [
        CHILD_ID, "UPN", "FormerUPN", "PersonBirthDate", "ExpectedPersonBirthDate", "Sex",
        "GenderCurrent", "PersonDeathDate",
    ]
    table = identifiers.select(columns).append_column("Ethnicity", ethnicity)
    table = table.append_column(ROW_NUMBER, identifiers.column(ROW_NUMBER))
    return table.append_column("file", pa.array([str(path)] * table.num_rows, pa.string()))
