"""Source schemas declared as data, and the typing they drive.

Each partner source is described once, in ``schemas/<source>.yaml``: its fields and
their types and code lists, the record id, the identifiers it carries and how often
it arrives. A format that changes by year declares the change as a layer::

    versions:
      2027:
        added:   {NEW_FIELD: {type: date}}
        changed: {OLD_FIELD: {type: integer}}
        removed: [GONE_FIELD]

Typing is forgiving by design: a cell that does not fit its type or code list
becomes null and is counted, so one bad date never stops a monthly load; a
missing *column*, in contrast, is unusable input and stops the run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from kinsight.core.errors import KinsightError
from kinsight.sources.files import ROW_NUMBER, parse_dates

TYPES = ("string", "date", "integer", "boolean", "code")

_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a source: its type, and what values it may take."""

    name: str
    type: str = "string"
    required: bool = False
    codes: tuple[Any, ...] | None = None
    min: int | None = None
    max: int | None = None
    #: A pattern matched against a hand-made header (Annex A), case and punctuation ignored.
    match: str | None = None

    def arrow_type(self) -> pa.DataType:
        if self.type == "date":
            return pa.date32()
        if self.type == "boolean":
            return pa.bool_()
        if self.type == "integer":
            return pa.int64()
        return pa.string()


@dataclass(frozen=True)
class SourceSchema:
    """A source as declared in ``schemas/<name>.yaml`` for one collection year."""

    name: str
    title: str
    frequency: str
    record_id: str
    identifiers: tuple[str, ...]
    fields: dict[str, FieldSpec]
    #: The field naming a household, when records of one household share it.
    household: str | None = None
    #: The rest of the declaration, for readers with more structure (Annex A's lists).
    extra: dict[str, Any] = field(default_factory=dict)
    #: Changes when the declaration changes, so cached tables typed by an older one are not reused.
    digest: str = ""


@dataclass(frozen=True)
class CellIssue:
    """Cells of one field that could not be typed, and were left empty."""

    field: str
    problem: str
    count: int
    first_row: int

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "problem": self.problem, "count": self.count,
                "first_row": self.first_row}


def schema_names() -> list[str]:
    """The sources declared in the package, by name."""
    folder = resources.files("kinsight.sources") / "schemas"
    return sorted(p.name[:-5] for p in folder.iterdir()
                  if p.name.endswith(".yaml") and p.name != "codes.yaml")


def load_schema(name: str, year: int | None = None) -> SourceSchema:
    """The declaration of source ``name`` with every version layer up to ``year`` applied."""
    if name not in schema_names():
        raise KinsightError(
            f"no schema is declared for source {name!r}; known sources: {', '.join(schema_names())} "
            "(set `schema = \"...\"` on the source in kinsight.toml to use one of them)"
        )
    return _load_schema(name, year)


@cache
def _load_schema(name: str, year: int | None) -> SourceSchema:
    text = (resources.files("kinsight.sources") / "schemas" / f"{name}.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    declared = fields_in_year(raw.get("fields", {}), raw.get("versions") or {}, year)
    known = {"source", "title", "frequency", "record_id", "identifiers", "fields",
             "household", "versions"}
    return SourceSchema(
        name=raw["source"],
        title=raw["title"],
        frequency=raw["frequency"],
        record_id=raw["record_id"],
        identifiers=tuple(raw.get("identifiers") or ()),
        fields=fields_of(declared),
        household=raw.get("household"),
        extra={k: v for k, v in raw.items() if k not in known},
        digest=hashlib.sha256(f"{text}\n{year}\n{_codes_text()}".encode()).hexdigest()[:16],
    )


def fields_in_year(fields: dict[str, Any], versions: dict[int, dict[str, Any]],
                   year: int | None) -> dict[str, Any]:
    """The fields of collection ``year``: the base declaration with each version layer up to it.

    With no year, the base declaration. A layer removing a field it never had is an
    error in the declaration, reported rather than ignored.
    """
    declared = dict(fields)
    for layer_year, layer in sorted(versions.items()):
        if year is None or int(layer_year) > year:
            continue
        declared.update(layer.get("added") or {})
        declared.update(layer.get("changed") or {})
        for gone in layer.get("removed") or []:
            if gone not in declared:
                raise KinsightError(f"version {layer_year} removes {gone}, which is not declared")
            del declared[gone]
    return declared


def fields_of(declared: dict[str, dict[str, Any]]) -> dict[str, FieldSpec]:
    """Field specs from their YAML form, with named code lists resolved."""
    specs = {}
    for name, spec in declared.items():
        spec = dict(spec or {})
        if spec.get("type", "string") not in TYPES:
            raise KinsightError(f"field {name}: unknown type {spec['type']!r}; expected one of {TYPES}")
        codes = spec.pop("codes", None)
        if isinstance(codes, str):
            codes = code_list(codes)
        specs[name] = FieldSpec(name=name, codes=tuple(codes) if codes else None, **spec)
    return specs


def code_list(name: str) -> list[str]:
    """A shared code list from ``schemas/codes.yaml``."""
    lists = yaml.safe_load(_codes_text())
    if name not in lists:
        raise KinsightError(f"unknown code list {name!r}; known: {', '.join(sorted(lists))}")
    return lists[name]


@cache
def _codes_text() -> str:
    return (resources.files("kinsight.sources") / "schemas" / "codes.yaml").read_text("utf-8")


def type_columns(table: pa.Table, fields: dict[str, FieldSpec]) -> tuple[pa.Table, list[CellIssue]]:
    """Cast a text table's declared fields to their types; keep ``row_number``.

    Fields the table lacks come out as nulls (the caller decides whether a missing
    column is acceptable); undeclared columns are dropped. Returns the typed table
    and, per field, the cells that had a value but could not be typed.
    """
    rows = table.num_rows
    columns, issues = {}, []
    for spec in fields.values():
        if spec.name not in table.column_names:
            columns[spec.name] = pa.nulls(rows, spec.arrow_type())
            continue
        text = pc.utf8_trim_whitespace(table[spec.name].combine_chunks())
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        typed, problem = _cast(text, spec)
        failed = pc.and_(pc.is_valid(text), pc.is_null(typed))
        count = pc.sum(failed).as_py() or 0
        if count:
            first = pc.index(failed, True).as_py()
            issues.append(CellIssue(spec.name, problem, count, table[ROW_NUMBER][first].as_py()))
        columns[spec.name] = typed
    columns[ROW_NUMBER] = table[ROW_NUMBER]
    return pa.table(columns), issues


def _cast(text: pa.Array, spec: FieldSpec) -> tuple[pa.Array, str]:
    if spec.type == "date":
        return parse_dates(text), "not a date"
    if spec.type == "boolean":
        lower = pc.utf8_lower(text)
        truth = pc.if_else(pc.is_in(lower, pa.array(_TRUE)), True,
                           pc.if_else(pc.is_in(lower, pa.array(_FALSE)), False, None))
        return truth.cast(pa.bool_()), "not true/false"
    if spec.type == "integer":
        whole = pc.match_substring_regex(text, r"^-?\d{1,18}(\.0+)?$")
        digits = pc.replace_substring_regex(text, r"\.0+$", "")
        number = pc.cast(pc.if_else(whole, digits, None), pa.int64())
        problem = "not a whole number"
        if spec.min is not None or spec.max is not None:
            low = spec.min if spec.min is not None else -(2**62)
            high = spec.max if spec.max is not None else 2**62
            number = pc.if_else(pc.and_(pc.greater_equal(number, low), pc.less_equal(number, high)),
                                number, None)
            problem = f"not a whole number from {spec.min} to {spec.max}"
        if spec.codes:
            number = pc.if_else(pc.is_in(number, pa.array(spec.codes, pa.int64())), number, None)
            problem = f"not one of {', '.join(map(str, spec.codes))}"
        return number, problem
    if spec.codes:
        # Match codes regardless of case, but store each as the list spells it.
        canonical = pa.array([str(c) for c in spec.codes])
        position = pc.index_in(pc.utf8_lower(text), pc.utf8_lower(canonical))
        return pc.take(canonical, position), f"not one of {', '.join(map(str, spec.codes))}"
    return text, ""


def normalise_header(name: str) -> str:
    """A header as patterns see it: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())

