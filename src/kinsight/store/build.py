"""Writing one warehouse snapshot from the ingested sources and the child index's clusters.

The fact tables are filled by interpreting ``model.yaml``; the tables about people
(persons, identifiers, source_records, relationships) and the bookkeeping tables
(loads, snapshot_info) are built here. Every SQL statement takes user-supplied
values as parameters; identifiers come from the package's own declarations and
are quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from kinsight.core.reference import lsoas, postcodes
from kinsight.sources.registry import schema_of
from kinsight.store.ingest import FILE, LOAD_ID, LoadedSource
from kinsight.store.model import LINEAGE, Table, tables

_BARE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ?]*$")

CLUSTERS_SCHEMA = pa.schema([("source", pa.string()), ("record_id", pa.string()),
                             ("person_id", pa.string())])


@dataclass(frozen=True)
class SnapshotFacts:
    """What the snapshot says about itself (the ``snapshot_info`` row)."""

    snapshot_id: str
    la: str | None
    collection_year: int | None
    config_sha256: str
    #: The 0–17 population rates are per, when the deployment declares it (``[project]
    #: population_0_17``); otherwise indicators use the ONS estimate for the LA.
    population_0_17: int | None = None


def build_snapshot(path: Path, sources: list[LoadedSource], clusters: pa.Table | None,
                   facts: SnapshotFacts) -> dict[str, int]:
    """Write a complete snapshot to ``path`` (a new file); return the rows in each table."""
    con = duckdb.connect(str(path))
    try:
        for table in tables().values():
            con.execute(table.ddl())
        con.register("clusters", clusters if clusters is not None else CLUSTERS_SCHEMA.empty_table())
        _register_records(con, sources)
        for table in tables().values():
            for feed in table.feeds:
                for loaded in sources:
                    if loaded.schema == feed.schema:
                        _fill(con, table, feed.table, feed.columns, loaded)
        _persons(con, sources, facts.la)
        _identifiers(con)
        _source_records(con)
        _relationships(con, sources)
        _loads(con, sources)
        con.execute("INSERT INTO snapshot_info VALUES (?, ?, ?, ?, ?, ?)",
                    [facts.snapshot_id, datetime.now(UTC).replace(tzinfo=None), facts.la,
                     facts.collection_year, facts.config_sha256, facts.population_0_17])
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables()}
        con.execute("CHECKPOINT")
        return counts
    finally:
        con.close()


def _fill(con, table: Table, source_table: str, columns: dict[str, str], loaded: LoadedSource) -> None:
    # A table that says which collection year each row is from takes earlier years'
    # returns too; any other takes the current year only, so nothing is counted twice.
    data = loaded.table(source_table, previous_years="collection_year" in table.columns)
    if data is None or data.num_rows == 0:
        return
    con.register("feed", data)
    types = {f.name: f.type for f in data.schema}
    select = [_converted(expression, table.columns[column], types) for column, expression in columns.items()]
    target = ", ".join(f'"{c}"' for c in (*LINEAGE, *columns))
    # A row whose record was not linked (a child only in last year's return) still
    # reaches its person when the source's ids are LA child ids: equal ids within
    # one namespace are the same child (contracts §1).
    by_la_id = loaded.config.options.get("id_namespace") == "la_child_id"
    con.execute(
        f"""INSERT INTO "{table.name}" ({target})
            SELECT coalesce(c.person_id, l.person_id), ?, f.record_id, f."{FILE}", f.row_number, f."{LOAD_ID}",
                   {", ".join(select)}
            FROM feed f LEFT JOIN clusters c ON c.source = ? AND c.record_id = f.record_id
                 LEFT JOIN la_child_ids l ON ? AND l.la_child_id = f.record_id""",
        [loaded.config.name, loaded.config.name, by_la_id],
    )
    con.unregister("feed")


def _converted(expression: str, target: str, types: dict[str, pa.DataType]) -> str:
    """SQL turning a source column (or expression) into the warehouse column's type.

    The returns arrive as DfE text (dd/mm/yyyy dates, 0/1 and true/false flags);
    partner extracts arrive typed. What does not convert becomes null.
    """
    if not _BARE_NAME.match(expression) or expression not in types:
        if _BARE_NAME.match(expression):
            return "NULL"  # a column this year's (or this file's) layout does not have
        return f"TRY_CAST(({expression}) AS {target})"
    column = f'f."{expression}"'
    if not pa.types.is_string(types[expression]) and not pa.types.is_large_string(types[expression]):
        return f"TRY_CAST({column} AS {target})"
    text = f"nullif(trim({column}), '')"
    if target == "DATE":
        return (f"coalesce(try_strptime({text}, '%d/%m/%Y'), try_strptime({text}, '%Y-%m-%d'))::DATE")
    if target == "BOOLEAN":
        return (f"CASE WHEN lower({text}) IN ('1', 'true', 'y', 'yes') THEN true "
                f"WHEN lower({text}) IN ('0', 'false', 'n', 'no') THEN false END")
    return f"TRY_CAST({text} AS {target})"


@cache
def _persons_rules() -> dict:
    return yaml.safe_load((resources.files("kinsight.store") / "model.yaml").read_text("utf-8"))["persons"]


def _register_records(con, sources: list[LoadedSource]) -> None:
    """All linkage records as ``records``, with each source's priority and load id."""
    priority = {name: i for i, name in enumerate(_persons_rules()["priority"])}
    parts = []
    for loaded in sources:
        for unit in loaded.units:
            if unit.person_records is None or unit.person_records.num_rows == 0:
                continue
            r = unit.person_records
            n = r.num_rows
            la_child_id = (r["other_id"] if loaded.config.options.get("id_namespace") == "la_child_id"
                           and "other_id" in r.column_names else pa.nulls(n, pa.string()))
            parts.append(pa.table({
                "source": pa.array([loaded.config.name] * n, pa.string()),
                "record_id": r["record_id"].cast(pa.string()),
                "file": r["file"].cast(pa.string()) if "file" in r.column_names else [str(unit.path)] * n,
                "row_number": r["row_number"].cast(pa.int32()),
                LOAD_ID: pa.array([unit.load_id] * n, pa.string()),
                "schema": pa.array([loaded.schema] * n, pa.string()),
                "priority": pa.array([priority.get(loaded.schema, len(priority))] * n, pa.int32()),
                **{a: _column(r, a, pa.string()) for a in ("sex", "postcode", "nhs_number", "upn", "uln")},
                "dob": _column(r, "dob", pa.date32()),
                "la_child_id": la_child_id.cast(pa.string()),
            }))
    records = pa.concat_tables(parts) if parts else None
    if records is None:
        con.execute("CREATE TEMP TABLE records (source VARCHAR, record_id VARCHAR, file VARCHAR, "
                    "row_number INTEGER, load_id VARCHAR, schema VARCHAR, priority INTEGER, sex VARCHAR, "
                    "postcode VARCHAR, nhs_number VARCHAR, upn VARCHAR, uln VARCHAR, dob DATE, "
                    "la_child_id VARCHAR)")
    else:
        con.register("records_arrow", records)
        con.execute("CREATE TEMP TABLE records AS SELECT * FROM records_arrow")
        con.unregister("records_arrow")
    con.execute("""CREATE TEMP TABLE linked AS
                   SELECT c.person_id, r.* FROM records r JOIN clusters c USING (source, record_id)
                   WHERE c.person_id IS NOT NULL""")
    con.execute("""CREATE TEMP TABLE la_child_ids AS
                   SELECT la_child_id, min(person_id) AS person_id FROM linked
                   WHERE la_child_id IS NOT NULL GROUP BY la_child_id""")


def _column(table: pa.Table, name: str, kind: pa.DataType) -> pa.Array:
    if name in table.column_names:
        return table[name].cast(kind)
    return pa.nulls(table.num_rows, kind)


def _persons(con, sources: list[LoadedSource], la: str | None) -> None:
    """One row per person: each attribute from the highest-priority linked record that has it."""
    rules = _persons_rules()
    priority = {name: i for i, name in enumerate(rules["priority"])}
    ethnicity_parts = []
    for rule in rules["ethnicity"]:
        for loaded in sources:
            data = loaded.table(rule["table"]) if loaded.schema == rule["schema"] else None
            if data is None or rule["column"] not in data.column_names:
                continue
            ethnicity_parts.append(pa.table({
                "source": pa.array([loaded.config.name] * data.num_rows, pa.string()),
                "record_id": data["record_id"].cast(pa.string()),
                "ethnicity": data[rule["column"]].cast(pa.string()),
                "priority": pa.array([priority.get(loaded.schema, len(priority))] * data.num_rows, pa.int32()),
            }))
    if ethnicity_parts:
        con.register("ethnicities", pa.concat_tables(ethnicity_parts))
    else:
        con.execute("CREATE TEMP TABLE ethnicities (source VARCHAR, record_id VARCHAR, ethnicity VARCHAR, "
                    "priority INTEGER)")
    geography = _geography(con, la)
    con.execute(f"""
        INSERT INTO persons
        WITH chosen AS (
            SELECT person_id,
                   arg_min(source, (priority, source, row_number)) AS source,
                   arg_min(record_id, (priority, source, row_number)) AS record_id,
                   arg_min(file, (priority, source, row_number)) AS file,
                   arg_min(row_number, (priority, source, row_number)) AS row_number,
                   arg_min(load_id, (priority, source, row_number)) AS load_id,
                   arg_min(sex, priority) FILTER (WHERE sex IS NOT NULL) AS sex,
                   arg_min(dob, priority) FILTER (WHERE dob IS NOT NULL) AS dob,
                   arg_min(upper(regexp_replace(trim(postcode), '\\s+', ' ', 'g')), priority)
                       FILTER (WHERE postcode IS NOT NULL) AS postcode,
                   arg_min(la_child_id, priority) FILTER (WHERE la_child_id IS NOT NULL) AS la_child_id
            FROM linked GROUP BY person_id
        ), ethnic AS (
            SELECT c.person_id, arg_min(e.ethnicity, e.priority) AS ethnicity
            FROM ethnicities e JOIN clusters c USING (source, record_id)
            WHERE e.ethnicity IS NOT NULL AND c.person_id IS NOT NULL GROUP BY c.person_id
        )
        SELECT p.person_id, p.source, p.record_id, p.file, p.row_number, p.load_id,
               p.sex, p.dob, e.ethnicity, p.postcode,
               {'g.lsoa11, g.ward_code, g.imd_decile' if geography else 'NULL, NULL, NULL'},
               p.la_child_id
        FROM chosen p LEFT JOIN ethnic e USING (person_id)
        {'LEFT JOIN geography g ON g.postcode = p.postcode' if geography else ''}
        ORDER BY p.person_id
    """)


def _geography(con, la: str | None) -> bool:
    """Register ``geography``: the LA's postcodes -> LSOA 2011 -> ward and IMD 2019 decile.

    Only the deployment's own LA: a child living or placed elsewhere has no small
    area here, which is what LA-level analyses expect.
    """
    if la is None:
        return False
    con.register("postcode_places", postcodes(la).select(["postcode", "lsoa11"]))
    con.register("lsoa_places", lsoas(la).select(["lsoa11", "ward_code", "imd_decile"]))
    con.execute("""CREATE TEMP TABLE geography AS
                   SELECT p.postcode, p.lsoa11, l.ward_code, l.imd_decile
                   FROM postcode_places p LEFT JOIN lsoa_places l USING (lsoa11)""")
    return True


def _identifiers(con) -> None:
    """Each identifier a linked record carries, with whether its check digit holds."""
    validity = _validity_checks()
    for kind in ("nhs_number", "upn", "uln", "la_child_id"):
        check = validity.get(kind)
        rows = con.execute(f"""
            SELECT person_id, source, record_id, file, row_number, load_id, ? AS kind, trim("{kind}") AS value
            FROM linked WHERE nullif(trim("{kind}"), '') IS NOT NULL""", [kind]).to_arrow_table()
        valid = check(rows["value"]) if check is not None else pa.nulls(rows.num_rows, pa.bool_())
        con.register("found", rows.append_column("is_valid", valid))
        con.execute("INSERT INTO identifiers SELECT * FROM found")
        con.unregister("found")


def _validity_checks() -> dict:
    """The child index's vectorised check-digit tests, by identifier kind."""
    from kinsight.linkage import identifiers

    return {"nhs_number": identifiers.nhs_number_validity, "upn": identifiers.upn_validity,
            "uln": identifiers.uln_validity}


def _source_records(con) -> None:
    con.execute("""INSERT INTO source_records
                   SELECT person_id, source, record_id, file, row_number, load_id FROM linked""")


def _relationships(con, sources: list[LoadedSource]) -> None:
    """People recorded in the same household (a source's declared household field)."""
    for loaded in sources:
        if loaded.config.format not in ("csv", "xlsx"):
            continue
        household = schema_of(loaded.config).household
        data = loaded.table("records")
        if household is None or data is None:
            continue
        con.register("household", data.select(["record_id", "file", "row_number", LOAD_ID, household])
                     .rename_columns(["record_id", "file", "row_number", LOAD_ID, "household"]))
        con.execute("""
            INSERT INTO relationships
            WITH members AS (
                SELECT DISTINCT c.person_id, h.household, h.record_id, h.file, h.row_number, h.load_id
                FROM household h JOIN clusters c ON c.source = ? AND c.record_id = h.record_id
                WHERE h.household IS NOT NULL AND c.person_id IS NOT NULL)
            SELECT DISTINCT ON (a.person_id, b.person_id)
                   a.person_id, ?, a.record_id, a.file, a.row_number, a.load_id, b.person_id,
                   'same household'
            FROM members a JOIN members b ON a.household = b.household AND a.person_id <> b.person_id
            ORDER BY a.person_id, b.person_id, a.row_number""", [loaded.config.name, loaded.config.name])
        con.unregister("household")


def _loads(con, sources: list[LoadedSource]) -> None:
    rows = []
    for loaded in sources:
        rejected: dict[str, int] = {}
        for r in loaded.rejected:
            rejected[r["file"]] = rejected.get(r["file"], 0) + 1
        for unit in loaded.units:
            rows.append((unit.load_id, loaded.config.name, str(unit.path), unit.sha256, unit.rows,
                         rejected.get(str(unit.path), 0), unit.loaded_at.replace(tzinfo=None)))
    if rows:
        con.executemany("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
