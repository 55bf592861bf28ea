"""A warehouse snapshot for the synthetic LA (``kinsight synth``), linked by its known truth.

Subject access is checked against the truth: every record ``truth/records.csv`` gives a
child must be in their pack. Linking by truth rather than by the child index keeps that
check about subject access alone. The snapshot follows the pipeline's model
(``kinsight.store.model``); CSV and xlsx records carry their real file and row number.
Used by the subject access tests and by ``benchmarks/sar_speed.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from kinsight.core.config import ProjectConfig, load_config
from kinsight.sources.files import ROW_NUMBER, files_of, read_table
from kinsight.store.model import LINEAGE, tables

SNAPSHOT = "20260401T020000Z"


def person_id(child_id: str) -> str:
    """The person_id a truth child id stands for (``C0000111`` → ``P0000000111``)."""
    return "P" + child_id[1:].rjust(10, "0")


def truth(la: Path) -> dict[tuple[str, str], str]:
    with open(la / "truth" / "records.csv", newline="", encoding="utf-8") as handle:
        return {(r["source"], r["record_id"]): r["child_id"] for r in csv.DictReader(handle)}


def children(la: Path) -> list[dict[str, str]]:
    with open(la / "truth" / "children.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build(la: Path) -> ProjectConfig:
    """Write ``<la>/warehouse`` with one snapshot and CURRENT; return the LA's configuration."""
    config = load_config(la / "kinsight.toml")
    owners = truth(la)
    snapshots = config.warehouse / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshots / f"{SNAPSHOT}.duckdb"))
    for table in tables().values():
        con.execute(table.ddl())
    lineage, identifiers = [], []
    placed: set[tuple[str, str]] = set()
    for source in config.sources:
        if source.format not in ("csv", "xlsx"):
            continue
        for path in files_of(source.path):
            data = read_table(path, **source.options)
            relative = str(path.relative_to(la))
            for row in data.to_pylist():
                key = (source.name, row[source.record_id])
                if key not in owners:
                    continue
                person = person_id(owners[key])
                lineage.append((person, *key, relative, str(row[ROW_NUMBER]), "L1"))
                placed.add(key)
                for kind in ("nhs_number", "upn"):
                    column = source.columns.get(kind)
                    if column and row.get(column):
                        identifiers.append((person, *key, relative, str(row[ROW_NUMBER]), "L1", kind,
                                            row[column], "true"))
    # Returns (903, CIN, Annex A) are held too; their rows are not single file lines.
    lineage += [(person_id(child), *key, None, None, "L1") for key, child in owners.items() if key not in placed]
    kids = children(la)
    households: dict[str, list[str]] = {}
    for c in kids:
        households.setdefault(c["household_id"], []).append(person_id(c["child_id"]))
    _insert(con, "source_records", LINEAGE, lineage)
    _insert(con, "identifiers", (*LINEAGE, "kind", "value", "is_valid"), identifiers)
    _insert(con, "persons", ("person_id", "sex", "dob", "ethnicity", "lsoa11"),
            [(person_id(c["child_id"]), c["sex"], c["dob"], c["ethnicity"], c["lsoa11"]) for c in kids])
    _insert(con, "relationships", (*LINEAGE, "related_person_id", "relationship"),
            [(a, "truth", a, None, None, "L1", b, "same household")
             for members in households.values() for a in members for b in members if a != b])
    con.close()
    (config.warehouse / "CURRENT").write_text(SNAPSHOT, encoding="utf-8")
    return config


def _insert(con, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    # Through Arrow: DuckDB inserts a table at once, where executemany goes row by row.
    data = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)})
    con.register("incoming", data)
    quoted = ", ".join(f'"{c}"' for c in columns)
    con.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM incoming')
    con.unregister("incoming")
