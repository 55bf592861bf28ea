"""Ingest: every source read, typed and cached by content, ready for linkage and the warehouse.

Each unit of a source (a file, or the 903's folder) is hashed; a unit whose hash
was seen before is taken from ``<warehouse>/cache`` as parquet instead of being
parsed again, so a monthly refresh costs the new files only. The cache key also
covers the source's configuration, its schema and the code that reads it, so a
changed mapping, schema or reader re-reads the file rather than reusing tables
made the old way.

Rows are *rejected* (left out of the warehouse, counted with the reason) only
when nobody can be attached to them: no record id, or a record id already used
by another row of the source. Cells that do not fit their type are blanked
and counted, not rejected.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kinsight.core.config import SourceConfig
from kinsight.sources.files import ROW_NUMBER
from kinsight.sources.registry import (
    RECORD_ID,
    RECORDS,
    read_unit,
    reader_digest,
    schema_name,
    units_of,
)

#: Bump when what the readers produce changes, so older cached tables are not reused.
CACHE_VERSION = "1"
FILE = "file"
LOAD_ID = "load_id"
COLLECTION_YEAR = "collection_year"
PERSON_RECORDS = "person_records"


@dataclass
class LoadedUnit:
    """One file (or folder) of a source, typed, with where and when it was loaded."""

    path: Path
    sha256: str
    load_id: str
    loaded_at: datetime
    tables: dict[str, pa.Table]
    issues: list[dict[str, Any]]
    collection_year: int | None
    #: Taken from the cache rather than parsed in this run.
    reused: bool
    #: The linkage input for this unit (contracts §3), when it is linked.
    person_records: pa.Table | None = None
    #: Its cache entry (``<cache>/<source>/<sha256>-<key>``).
    cache_entry: Path | None = None

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


@dataclass
class LoadedSource:
    """Every unit of one configured source, and the rows left out."""

    config: SourceConfig
    schema: str
    units: list[LoadedUnit]
    #: One dict per rejected row: file, row_number, record_id, table, reason.
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def table(self, name: str, *, previous_years: bool = True) -> pa.Table | None:
        """A table across all units, with ``file``, ``load_id`` and ``collection_year``; rejects removed.

        ``previous_years=False`` keeps only the current year of a statutory return
        (its first unit); a partner source's extracts are all current.
        """
        parts = []
        units = self.units if previous_years or self.config.format in ("csv", "xlsx") else self.units[:1]
        for unit in units:
            table = unit.tables.get(name)
            if table is None:
                continue
            n = table.num_rows
            if FILE not in table.column_names:  # the returns name each table's own file
                table = table.append_column(FILE, pa.array([str(unit.path)] * n, pa.string()))
            table = table.append_column(LOAD_ID, pa.array([unit.load_id] * n, pa.string()))
            table = table.append_column(COLLECTION_YEAR, pa.array([unit.collection_year] * n, pa.int32()))
            parts.append(table)
        if not parts:
            return None
        combined = pa.concat_tables(parts, promote_options="permissive")
        return _without_rejected(combined, [r for r in self.rejected if r["table"] == name])

    def person_records(self) -> pa.Table | None:
        """The linkage input of every unit, rejected records removed."""
        parts = [u.person_records for u in self.units if u.person_records is not None]
        if not parts:
            return None
        combined = pa.concat_tables(parts, promote_options="permissive")
        rejected_ids = {r["record_id"] for r in self.rejected if r["table"] in (RECORDS, None)}
        rejected = [{"file": r["file"], "row_number": r["row_number"]} for r in self.rejected
                    if r["record_id"] in rejected_ids]
        return _without_rejected(combined, rejected)


def ingest_source(source: SourceConfig, base: Path, cache_dir: Path) -> LoadedSource:
    """Read every unit of a source (from the cache where unchanged) and find the rows to reject."""
    key = _config_key(source, reader_digest(source))
    units = []
    for position, path in enumerate(units_of(source, base)):
        # Only the current year's unit of a return is linked: earlier years' rows reach
        # their person through the same record id.
        wants_records = position == 0 or source.format in ("csv", "xlsx", "annex_a")
        units.append(_load_unit(source, path, cache_dir / source.name, key, wants_records))
    loaded = LoadedSource(source, schema_name(source), units)
    loaded.rejected = _rejections(loaded)
    return loaded


def prune_cache(cache_dir: Path, loaded: list[LoadedSource]) -> int:
    """Delete cached units this run did not use (replaced files, dropped sources); return how many.

    Called after a successful run only: the units a failed run never reached must
    stay cached for the next attempt.
    """
    used = {unit.cache_entry for source in loaded for unit in source.units}
    removed = 0
    for entry in cache_dir.glob("*/*"):
        if entry.parent.name != "validation" and entry.is_dir() and entry not in used:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def sha256_of(path: Path) -> str:
    """The content hash of a file, or of a folder's files (names and contents)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode() + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _load_unit(source: SourceConfig, path: Path, cache_dir: Path, key: str, wants_records: bool) -> LoadedUnit:
    sha = sha256_of(path)
    entry = cache_dir / f"{sha}-{key}"
    load_id = "L" + hashlib.sha256(f"{source.name}\0{sha}".encode()).hexdigest()[:12]
    if (entry / "meta.json").is_file():
        meta = json.loads((entry / "meta.json").read_text("utf-8"))
        if wants_records and not meta["person_records"]:
            meta = None
        if meta is not None:
            tables = {name: pq.read_table(entry / f"{name}.parquet") for name in meta["tables"]}
            records = tables.pop(PERSON_RECORDS, None)
            return LoadedUnit(path, sha, load_id, datetime.fromisoformat(meta["loaded_at"]), tables,
                              meta["issues"], meta["collection_year"], True, records, entry)
    read = read_unit(source, path)
    records = _person_records(source, path) if wants_records else None
    unit = LoadedUnit(path, sha, load_id, datetime.now(UTC), read.tables,
                      [i.as_dict() for i in read.issues], read.collection_year, False, records, entry)
    _save(unit, entry)
    return unit


def _save(unit: LoadedUnit, entry: Path) -> None:
    # Written under a temporary name and renamed, so an interrupted run never leaves
    # a half-written entry that a later run would trust.
    temporary = entry.with_name(f".{entry.name}.{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    tables = dict(unit.tables)
    if unit.person_records is not None:
        tables[PERSON_RECORDS] = unit.person_records
    for name, table in tables.items():
        pq.write_table(table, temporary / f"{name}.parquet", compression="zstd")
    meta = {"tables": list(tables), "issues": unit.issues, "collection_year": unit.collection_year,
            "loaded_at": unit.loaded_at.isoformat(), "person_records": unit.person_records is not None,
            "file": str(unit.path)}
    (temporary / "meta.json").write_text(json.dumps(meta), "utf-8")
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(temporary, entry)


def _person_records(source: SourceConfig, path: Path) -> pa.Table:
    from kinsight.sources.person_records import read_person_records

    return read_person_records(replace(source, path=path))


def _config_key(source: SourceConfig, reader_digest: str) -> str:
    """What besides a unit's content decides the cached tables: the readers and the configuration."""
    from kinsight.sources import person_records

    person_reader = hashlib.sha256(Path(person_records.__file__).read_bytes()).hexdigest()
    described = json.dumps([CACHE_VERSION, reader_digest, person_reader, source.format, source.record_id,
                            source.columns, source.options], sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def _rejections(loaded: LoadedSource) -> list[dict[str, Any]]:
    """Rows without a record id, and rows reusing an id already seen, in every table."""
    rejected = []
    con = duckdb.connect()
    names = sorted({name for unit in loaded.units for name in unit.tables})
    for name in names:
        ids = [
            pa.table({"unit": pa.array([i] * t.num_rows, pa.int32()),
                      FILE: t[FILE] if FILE in t.column_names else [str(u.path)] * t.num_rows,
                      ROW_NUMBER: t[ROW_NUMBER], RECORD_ID: t[RECORD_ID]})
            for i, u in enumerate(loaded.units) if (t := u.tables.get(name)) is not None
        ]
        con.register("ids", pa.concat_tables(ids))
        # Only single-table extracts promise one row per record; the returns and Annex A
        # lists hold many rows (episodes, reviews) for one child.
        unique = name == RECORDS
        rows = con.execute(f"""
            SELECT {FILE}, {ROW_NUMBER}, {RECORD_ID},
                   CASE WHEN {RECORD_ID} IS NULL THEN 'no record id'
                        ELSE 'record id already used at ' || first_file || ' row ' || first_row END
            FROM (SELECT *, first({FILE}) OVER w AS first_file, first({ROW_NUMBER}) OVER w AS first_row,
                         row_number() OVER w AS n
                  FROM ids WINDOW w AS (PARTITION BY {RECORD_ID} ORDER BY unit, {ROW_NUMBER}))
            WHERE {RECORD_ID} IS NULL OR ({'n > 1' if unique else 'false'})
            ORDER BY unit, {ROW_NUMBER}
        """).fetchall()
        rejected += [{"file": f, "row_number": r, "record_id": i, "table": name, "reason": why}
                     for f, r, i, why in rows]
        con.unregister("ids")
    return rejected


def _without_rejected(table: pa.Table, rejected: list[dict[str, Any]]) -> pa.Table:
    if not rejected:
        return table
    con = duckdb.connect()
    con.register("t", table)
    con.register("r", pa.Table.from_pylist(rejected, schema=pa.schema([(FILE, pa.string()),
                                                                     (ROW_NUMBER, pa.int32())])))
    return con.execute(f"SELECT * FROM t ANTI JOIN r USING ({FILE}, {ROW_NUMBER})").to_arrow_table()

