"""The catalogue of DfE validation rules, declared as data per return and collection year.

Rules live in ``rules/<return>/<year>.yaml`` (``2026`` = collection year 2025/26).
The base year lists every rule; a later year lists only what DfE added, changed or
removed (see :mod:`kinsight.sources.layers`). Each rule carries its DfE code, the
DfE message, its severity, the tables and fields it concerns, and exactly one
implementation:

``pattern``
    a common check declared as data and compiled to SQL (:mod:`kinsight.quality.patterns`);
``sql``
    a DuckDB ``SELECT`` over the loaded tables returning ``table_name, row_number,
    child_id`` and optionally ``field`` for each failing row;
``python``
    ``module:function`` taking the DuckDB connection and returning the same columns
    as an Arrow table, for the few checks SQL expresses badly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kinsight.core.errors import KinsightError
from kinsight.sources.layers import load_layered

RULES_FOLDER = Path(__file__).parent / "rules"
RETURN_TYPES = ("ssda903", "cin")
SEVERITIES = ("error", "query")
IMPLEMENTATIONS = ("pattern", "sql", "python")


@dataclass(frozen=True)
class Rule:
    """One DfE validation rule as declared."""

    code: str
    message: str
    severity: str
    tables: tuple[str, ...]
    fields: tuple[str, ...]
    pattern: dict | None = field(default=None, hash=False, compare=False)
    sql: str | None = None
    python: str | None = None
    #: Why the rule is implemented the way it is, where that is not obvious.
    note: str | None = None

    @property
    def implementation(self) -> str:
        return next(kind for kind in IMPLEMENTATIONS if getattr(self, kind) is not None)


def load_rules(return_type: str, year: int | str) -> list[Rule]:
    """Every rule of a return (``ssda903`` or ``cin``) for a collection year, in declared order."""
    return list(_load(return_type, int(year)))


@cache
def _load(return_type: str, year: int) -> tuple[Rule, ...]:
    if return_type not in RETURN_TYPES:
        raise KinsightError(f"unknown return {return_type!r} (known: {', '.join(RETURN_TYPES)})")
    items = load_layered(RULES_FOLDER / return_type, year, items="rules", key="code")
    return tuple(_rule(item, return_type, year) for item in items)


def _rule(item: dict, return_type: str, year: int) -> Rule:
    code = str(item.get("code", "?"))
    where = f"{return_type} {year} rule {code}"
    implementations = [kind for kind in IMPLEMENTATIONS if kind in item]
    if len(implementations) != 1:
        raise KinsightError(f"{where}: needs exactly one of pattern, sql, python (has {implementations or 'none'})")
    if item.get("severity") not in SEVERITIES:
        raise KinsightError(f"{where}: severity must be error or query, not {item.get('severity')!r}")
    for required in ("message", "tables", "fields"):
        if not item.get(required):
            raise KinsightError(f"{where}: {required} is missing")
    return Rule(
        code=code,
        message=" ".join(str(item["message"]).split()),
        severity=item["severity"],
        tables=tuple(item["tables"]),
        fields=tuple(item["fields"]),
        pattern=item.get("pattern"),
        sql=item.get("sql"),
        python=item.get("python"),
        note=item.get("note"),
    )
