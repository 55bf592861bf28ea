"""One child's records across services, as the governance policy lets this user see them.

For each source holding records about the child, the policy decision point decides once
(role, organisation, purpose, that source, every field of every table the source fills); all the
sources are asked in one ``policy.decide_many`` call, which writes one audit entry for the view
listing every source's decision. Only then are the child's rows read, and only the permitted
columns of the permitted sources. Permitted fields are shown at the view level and date precision
the agreement sets; withheld fields and refused sources are listed with the reasons, so the
practitioner knows what they are not seeing and why.

Finding one child's rows must not scan every table of a 300,000-child snapshot on every view:
DuckDB keeps no index on ``person_id`` (and its zone maps cannot skip on ids that share a long
prefix), so a :class:`PersonIndex` of where each child's rows are is built once per snapshot
(a snapshot never changes) and the rows are then read by ``rowid``.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from kinsight.governance import policy, pseudonymise
from kinsight.web.access import Actor

#: Warehouse tables that are not facts about a child.
_NOT_FACTS = frozenset({"loads", "snapshot_info", "source_records"})
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


@dataclass(frozen=True)
class _TableRows:
    """One fact table's rows sorted by person_id, with each row's rowid and source."""

    person_ids: np.ndarray
    rowids: np.ndarray
    source_names: np.ndarray
    source_codes: np.ndarray


class PersonIndex:
    """Where every child's rows are in one snapshot: their tables, rowids and sources.

    Built once per snapshot file (about a second for a million rows) and shared by every
    request and thread; it is never changed after it is built.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        columns: dict[str, list[str]] = defaultdict(list)
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_name IN "
            "(SELECT table_name FROM information_schema.columns WHERE column_name = 'person_id') "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            if table not in _NOT_FACTS:
                columns[table].append(column)
        #: table → its columns, in the warehouse's order.
        self.columns: dict[str, tuple[str, ...]] = {t: tuple(c) for t, c in columns.items()}
        self._tables: dict[str, _TableRows] = {}
        for table, names in self.columns.items():
            source = _quoted("source") if "source" in names else "NULL"
            found = con.execute(
                f"SELECT person_id, rowid, COALESCE(CAST({source} AS VARCHAR), 'unknown') AS source "
                f"FROM {_quoted(table)} WHERE person_id IS NOT NULL ORDER BY person_id, rowid"
            ).fetchnumpy()
            if len(found["person_id"]):
                names_, codes = np.unique(np.asarray(found["source"], dtype=object), return_inverse=True)
                self._tables[table] = _TableRows(np.asarray(found["person_id"], dtype=object),
                                                 np.asarray(found["rowid"]), names_, codes)

    def locate(self, person_id: str) -> dict[str, dict[str, list[int]]]:
        """source → table → rowids of the child's rows (empty for a child with none)."""
        found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for table, rows in self._tables.items():
            first, last = (int(np.searchsorted(rows.person_ids, person_id, side)) for side in ("left", "right"))
            for k in range(first, last):
                found[str(rows.source_names[rows.source_codes[k]])][table].append(int(rows.rowids[k]))
        return found

    def holds(self, table: str, person_id: str) -> bool:
        rows = self._tables.get(table)
        if rows is None:
            return False
        at = int(np.searchsorted(rows.person_ids, person_id))
        return at < len(rows.person_ids) and rows.person_ids[at] == person_id


_indexes: dict[str, PersonIndex] = {}
_indexes_lock = threading.Lock()


def person_index(con: duckdb.DuckDBPyConnection) -> PersonIndex:
    """The snapshot's :class:`PersonIndex`, built by the first request that needs it."""
    (path,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    index = _indexes.get(path)
    if index is None:
        with _indexes_lock:  # one build per snapshot, however many requests arrive at once
            index = _indexes.get(path)
            if index is None:
                index = PersonIndex(con)
                # Only the current snapshot's index is kept: a new run's snapshot replaces it
                # (a request still reading the old one holds its own reference).
                _indexes.clear()
                _indexes[path] = index
    return index


def exists(con: duckdb.DuckDBPyConnection, person_id: str) -> bool:
    """Is there such a child (a row in ``persons``)?"""
    return person_index(con).holds("persons", person_id)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_rows(con: duckdb.DuckDBPyConnection, person_id: str,
              wanted: dict[str, tuple[list[int], tuple[str, ...]]]) -> dict[str, dict[int, dict[str, Any]]]:
    """table → rowid → row of only the columns wanted, for one child, in one query.

    ``wanted`` is table → (rowids from the index, columns). Each row is its own ``rowid = n``
    branch: DuckDB goes straight to the row only for an equality on rowid (``rowid IN (…)`` of
    several values, or ``BETWEEN`` beside another filter, scans the whole table). Rowids are integers
    the index made and identifiers are quoted, so nothing a user typed reaches the SQL; the
    person_id (a parameter) is checked again so a row of another child can never come back.
    """
    parts = []
    for table, (rowids, columns) in wanted.items():
        if not columns:
            continue
        values = ", ".join(f"{_quoted(c)} := {_quoted(c)}" for c in columns)
        parts.extend(
            f"SELECT '{table}' AS t, rowid AS r, CAST(to_json(struct_pack({values})) AS VARCHAR) AS j "
            f"FROM {_quoted(table)} WHERE rowid = {int(rowid)} AND person_id = $1"
            for rowid in rowids
        )
    found: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    if parts:
        for table, rowid, text in con.execute(" UNION ALL ".join(parts), [person_id]).fetchall():
            found[table][rowid] = json.loads(text)
    return found


def child_view(con: duckdb.DuckDBPyConnection, who: Actor, person_id: str, purpose: str) -> list[SourceView]:
    """Every source's records about the child, each decided separately, audited as one read.

    The decision comes first; then only the permitted columns of the allowed sources are read.
    """
    index = person_index(con)
    located = sorted(index.locate(person_id).items())
    decisions = policy.decide_many([
        policy.AccessRequest(
            user=who.user, role=who.role, organisation=who.organisation, purpose=purpose, dataset=source,
            fields=tuple(f"{table}.{column}" for table in tables for column in index.columns[table]
                         if column != "person_id"),
            person_id=person_id,
        )
        for source, tables in located
    ])
    wanted: dict[str, tuple[list[int], tuple[str, ...]]] = {}
    for (source, tables), decision in zip(located, decisions):
        if decision.allowed:
            for table, rowids in tables.items():
                columns = tuple(c for c in index.columns[table] if f"{table}.{c}" in decision.permitted_fields)
                # Two sources may fill one table under different decisions: read the union of
                # their columns once; each source's rows are restricted to its own decision below.
                rowids_so_far, columns_so_far = wanted.get(table, ([], ()))
                wanted[table] = (rowids_so_far + rowids, tuple(dict.fromkeys(columns_so_far + columns)))
    rows = read_rows(con, person_id, wanted)
    views = []
    for (source, tables), decision in zip(located, decisions):
        view = SourceView(
            source=source, allowed=decision.allowed, reasons=decision.reasons, agreement=decision.agreement,
            break_glass=decision.break_glass, withheld=decision.withheld_fields,
            break_glass_available=not decision.allowed and any("break-glass is available" in r for r in decision.reasons),
        )
        if decision.allowed:
            for table, rowids in tables.items():
                shown = [_shown(rows[table][r], table, decision) for r in rowids if r in rows[table]]
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
