"""One child's records across services, as the governance policy lets this user see them.

For each source holding records about the child, the policy decision point decides once
(role, organisation, purpose, that source, every field of every table the source fills); all the
sources are asked in one ``policy.decide_many`` call, which writes one audit entry for the view
listing every source's decision. Permitted fields are shown at the view level and
date precision the agreement sets; withheld fields and refused sources are listed with the
reasons, so the practitioner knows what they are not seeing and why.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb

from kinsight.governance import policy, pseudonymise
from kinsight.web.access import Actor

#: Warehouse tables that are not facts about a child.
_NOT_FACTS = frozenset({"loads", "snapshot_info", "source_records"})
_fact_tables: dict[str, tuple[str, ...]] = {}
#: Lineage columns: shown as "where this came from", not as facts.
LINEAGE = ("source", "record_id", "file", "row_number", "load_id")


@dataclass
class SourceView:
    """What one source holds about the child, and what this user may see of it."""

    source: str
    allowed: bool
    reasons: tuple[str, ...]
    agreement: str | None = None
    break_glass: bool = False
    #: table → rows as shown (facts, then lineage under "_from").
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    withheld: tuple[str, ...] = ()
    break_glass_available: bool = False


def fact_tables(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The snapshot's tables of facts about children (every table with a person_id).

    A snapshot never changes, so the answer is kept per database file: asking DuckDB's
    information schema costs more than reading one child's rows from a table.
    """
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if path not in _fact_tables:
        rows = con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'person_id' "
            "ORDER BY table_name"
        ).fetchall()
        _fact_tables[path] = tuple(name for (name,) in rows if name not in _NOT_FACTS)
    return _fact_tables[path]


def exists(con: duckdb.DuckDBPyConnection, person_id: str) -> bool:
    return con.execute("SELECT 1 FROM persons WHERE person_id = ? LIMIT 1", [person_id]).fetchone() is not None


def raw_records(con: duckdb.DuckDBPyConnection, person_id: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """source → table → rows (all columns), for one child, read in one query over every table."""
    tables = fact_tables(con)
    union = " UNION ALL ".join(
        f"SELECT '{table}' AS t, CAST(to_json(x) AS VARCHAR) AS j FROM \"{table}\" x WHERE person_id = $1"
        for table in tables
    )
    found: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for table, text in con.execute(union, [person_id]).fetchall():
        row = json.loads(text)
        found[row.get("source") or "unknown"][table].append(row)
    return found


def child_view(con: duckdb.DuckDBPyConnection, who: Actor, person_id: str, purpose: str) -> list[SourceView]:
    """Every source's records about the child, each decided separately, audited as one read."""
    found = sorted(raw_records(con, person_id).items())
    decisions = policy.decide_many([
        policy.AccessRequest(
            user=who.user, role=who.role, organisation=who.organisation, purpose=purpose, dataset=source,
            fields=tuple(f"{table}.{column}" for table, rows in tables.items() for column in rows[0]
                         if column != "person_id"),
            person_id=person_id,
        )
        for source, tables in found
    ])
    views = []
    for (source, tables), decision in zip(found, decisions):
        view = SourceView(
            source=source, allowed=decision.allowed, reasons=decision.reasons, agreement=decision.agreement,
            break_glass=decision.break_glass, withheld=decision.withheld_fields,
            break_glass_available=not decision.allowed and any("break-glass is available" in r for r in decision.reasons),
        )
        if decision.allowed:
            for table, rows in tables.items():
                shown = [_shown(row, table, decision) for row in rows]
                if any(shown):
                    view.tables[table] = shown
        views.append(view)
    return views


def _shown(row: dict[str, Any], table: str, decision: policy.Decision) -> dict[str, Any]:
    permitted = pseudonymise.restrict(row, table, decision.permitted_fields)
    visible = pseudonymise.view_row(permitted, table=table, level=decision.view or "pseudonymous",
                                    date_precision=decision.date_precision)
    facts = {k: v for k, v in visible.items() if k not in LINEAGE and k != "person_id"}
    lineage = {k: visible[k] for k in LINEAGE if k in visible}
    return {"facts": facts, "from": lineage} if facts or lineage else {}
