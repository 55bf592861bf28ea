"""The warehouse data model, read from ``model.yaml`` (docs/contracts.md §5).

Tables, their typed columns and how each is filled from the source schemas'
tables are data; :mod:`kinsight.store.build` interprets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

#: The columns every fact table starts with, tying each row to a person and to its origin.
LINEAGE = ("person_id", "source", "record_id", "file", "row_number", "load_id")
LINEAGE_TYPES = {"person_id": "VARCHAR", "source": "VARCHAR", "record_id": "VARCHAR",
                 "file": "VARCHAR", "row_number": "INTEGER", "load_id": "VARCHAR"}


@dataclass(frozen=True)
class Feed:
    """How one source schema's table fills a warehouse table."""

    schema: str
    table: str
    #: warehouse column -> SQL expression over the source table (a bare name is its column).
    columns: dict[str, str]


@dataclass(frozen=True)
class Table:
    """One warehouse table: its typed columns and the feeds that fill it."""

    name: str
    columns: dict[str, str]
    feeds: tuple[Feed, ...]
    #: Built by the builder's own code rather than from feeds.
    built: bool
    has_lineage: bool

    def all_columns(self) -> dict[str, str]:
        """Every column with its DuckDB type, lineage first."""
        lineage = LINEAGE_TYPES if self.has_lineage else {}
        return lineage | {k: v for k, v in self.columns.items() if k not in lineage}

    def ddl(self) -> str:
        columns = ", ".join(f'"{name}" {kind}' for name, kind in self.all_columns().items())
        return f'CREATE TABLE "{self.name}" ({columns})'


@cache
def tables() -> dict[str, Table]:
    """Every warehouse table by name, in the order the model declares them."""
    raw = yaml.safe_load((resources.files("kinsight.store") / "model.yaml").read_text("utf-8"))
    return {
        name: Table(
            name=name,
            columns=dict(spec.get("columns") or {}),
            feeds=tuple(Feed(f["schema"], f["table"], {k: str(v) for k, v in f["columns"].items()})
                        for f in spec.get("from", [])),
            built=bool(spec.get("built", False)),
            has_lineage=spec.get("lineage", True),
        )
        for name, spec in raw["tables"].items()
    }
