"""What the deployment holds about one person, found through the warehouse and the source files.

The current warehouse snapshot (``kinsight.store``) says which source records the
child index linked to a person and holds the facts taken from them; each record's
lineage (file, row number) leads back to the row as the partner sent it, which is
what a subject access pack shows. Reading is read-only and never changes either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kinsight.core.config import ProjectConfig
from kinsight.core.errors import KinsightError
from kinsight.governance import retention
from kinsight.sources.files import ROW_NUMBER, read_table

#: Warehouse tables that are bookkeeping, not facts about a person.
_NOT_FACTS = {"source_records", "loads", "snapshot_info"}
#: Source formats whose records are single rows of a CSV or xlsx file.
_ROW_FORMATS = {"csv", "xlsx"}
PERSON_ID = re.compile(r"^P[0-9A-Za-z]{10}$")


@dataclass
class HeldRecord:
    """One source record held about a person, with the facts taken from it."""

    source: str
    record_id: str
    file: str | None
    row_number: int | None
    #: The row as the partner sent it (CSV and xlsx sources), column → text.
    data: dict[str, Any] = field(default_factory=dict)
    #: Warehouse table → the rows that came from this record.
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Holdings:
    """Read access to everything held about people in one deployment."""

    def __init__(self, config: ProjectConfig, snapshot_id: str | None = None):
        from kinsight.store import Warehouse, open_snapshot

        self.config = config
        self.snapshot_id = Warehouse.of(config).snapshot(snapshot_id).snapshot_id
        self._con: duckdb.DuckDBPyConnection = open_snapshot(config, self.snapshot_id)
        self._files: dict[Path, pa.Table] = {}
        self._fact_tables = [
            name for (name,) in self._con.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'person_id'"
            ).fetchall() if name not in _NOT_FACTS
        ]

    def close(self) -> None:
        self._con.close()

    def resolve(self, person_ref: str) -> str:
        """The person_id a reference names: a person_id, or ``SOURCE:RECORD_ID`` of any of their records."""
        person_ref = person_ref.strip()
        if PERSON_ID.match(person_ref):
            found = self._con.execute("SELECT 1 FROM source_records WHERE person_id = ? LIMIT 1",
                                      [person_ref]).fetchone()
            if found is None:
                raise KinsightError(f"no records are held about {person_ref}")
            return person_ref
        source, sep, record_id = person_ref.partition(":")
        if not sep or not record_id:
            raise KinsightError(f"{person_ref!r} is neither a person_id (P + 10 characters) nor SOURCE:RECORD_ID")
        self.config.source(source)  # names the configured sources if this one is unknown
        row = self._con.execute("SELECT person_id FROM source_records WHERE source = ? AND record_id = ?",
                                [source, record_id]).fetchone()
        if row is None or row[0] is None:
            raise KinsightError(f"no record {record_id!r} from {source} is held")
        return row[0]

    def records(self, person_id: str) -> list[HeldRecord]:
        """Every source record linked to the person, with its row and facts; purged ones left out."""
        purged = retention.purged_records()
        held: dict[tuple[str, str], HeldRecord] = {}
        for source, record_id, file, row_number in self._con.execute(
            "SELECT source, record_id, file, row_number FROM source_records WHERE person_id = ? "
            "ORDER BY source, record_id", [person_id]
        ).fetchall():
            if (source, record_id) not in purged:
                held[(source, record_id)] = HeldRecord(source, record_id, file, row_number)
        for table in self._fact_tables:
            cursor = self._con.execute(f'SELECT * FROM "{table}" WHERE person_id = ?', [person_id])
            names = [d[0] for d in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(names, values))
                record = held.get((row.get("source"), row.get("record_id")))
                if record is not None:
                    record.facts.setdefault(table, []).append(row)
        for record in held.values():
            record.data = self._row_as_sent(record)
        return list(held.values())

    def link_scores(self, records: list[HeldRecord]) -> dict[frozenset, float]:
        """The child index's match probability for pairs of these records, where it scored them.

        Keyed by ``frozenset({(source, record_id), (source, record_id)})``. Empty when the
        deployment has no index or it is busy (a pipeline run holds it): links are then
        explained by their agreeing details alone.
        """
        from kinsight.linkage import ChildIndex
        from kinsight.linkage.index import INDEX_FILE

        folder = self.config.warehouse / "index"
        if not records or not (folder / INDEX_FILE).is_file():
            return {}
        try:
            with ChildIndex.open(folder) as index:
                pairs = index.pairs()
        except KinsightError:
            return {}
        ids = pa.array(sorted({r.record_id for r in records}), pa.string())
        mask = pc.and_(pc.is_in(pairs["record_id_l"], value_set=ids), pc.is_in(pairs["record_id_r"], value_set=ids))
        held = {(r.source, r.record_id) for r in records}
        scores: dict[frozenset, float] = {}
        for pair in pairs.filter(mask).to_pylist():
            left, right = (pair["source_l"], pair["record_id_l"]), (pair["source_r"], pair["record_id_r"])
            if left in held and right in held:
                scores[frozenset({left, right})] = pair["match_probability"]
        return scores

    def names_in_files(self) -> set[str]:
        """Every name in the source files read so far (a pack redacts those that are not the person's)."""
        names: set[str] = set()
        for source in self.config.sources:
            columns = [source.columns[a] for a in ("forename", "surname", "middle_names") if a in source.columns]
            for path, table in self._files.items():
                if not columns or not self._belongs(path, source):
                    continue
                for column in (c for c in columns if c in table.column_names):
                    names.update(str(v).strip() for v in pc.unique(table.column(column)).to_pylist() if v)
        return names

    def _row_as_sent(self, record: HeldRecord) -> dict[str, Any]:
        try:
            source = self.config.source(record.source)
        except KinsightError:
            return {}
        if source.format not in _ROW_FORMATS or not record.file or not record.row_number:
            return {}
        path = self._resolve_file(record.file)
        if path is None:
            return {}
        table = self._files.get(path)
        if table is None:
            table = self._files[path] = read_table(path, **source.options)
        index = record.row_number - 1
        if not 0 <= index < table.num_rows:
            return {}
        row = table.slice(index, 1).to_pylist()[0]
        # A file changed since the snapshot could put someone else's row at this number:
        # show the row only if it is still this record.
        if str(row.get(source.record_id)) != record.record_id:
            return {}
        row.pop(ROW_NUMBER, None)
        return row

    def _resolve_file(self, file: str) -> Path | None:
        path = Path(file)
        for candidate in (path, self.config.path.parent / path):
            if candidate.is_file():
                return candidate.resolve()
        return None

    def _belongs(self, path: Path, source) -> bool:
        root = Path(source.path).resolve()
        return path == root or root in path.parents
