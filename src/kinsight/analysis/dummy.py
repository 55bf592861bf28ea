"""Dummy warehouses with the tables of docs/contracts.md §5, for tests and benchmarks.

``create_warehouse`` builds a snapshot-shaped DuckDB file from hand-made rows (every contract
table exists, empty unless given rows), so the indicator SQL is exercised against exactly the
columns the pipeline promises. ``generate_warehouse`` fills one with a large random LA for
the speed benchmark. Neither is used on production paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from kinsight.store.model import tables

def _columns(table: str) -> dict[str, str]:
    return tables()[table].all_columns()


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every warehouse table, declared by the store's own model (never a copy of it)."""
    for table in tables().values():
        con.execute(table.ddl())


def create_warehouse(path: Path, rows: dict[str, list[dict[str, Any]]], la: str = "E06000023") -> Path:
    """A snapshot file holding ``rows`` (table → list of column dicts; others empty)."""
    path = Path(path)
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        con.execute(
            "INSERT INTO snapshot_info VALUES ('test', now(), ?, 2026, '', NULL)", [la]
        )
        for table, records in rows.items():
            columns = _columns(table)
            for record in records:
                unknown = set(record) - set(columns)
                if unknown:
                    raise ValueError(f"{table} has no column(s) {sorted(unknown)}")
                names = list(record)
                con.execute(
                    f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '
                    f'({", ".join("?" for _ in names)})',
                    [record[name] for name in names],
                )
    return path


def generate_warehouse(path: Path, children: int = 300_000, years: int = 5, seed: float = 0.42,
                       la: str = "E06000023") -> Path:
    """A large random LA for benchmarks: ``children`` persons and ``years`` years of events to
    31 March 2026 at roughly national rates. Plausible in volume, not in detail."""
    from kinsight.analysis import reference

    local = reference.local_authority(la)
    areas = reference.small_areas()
    areas = areas[areas["la_code"] == local.new_la_code][["lsoa11_code", "ward19_code", "imd_decile"]]
    path = Path(path)
    start = f"DATE '{2026 - years}-04-01'"
    days = 365 * years
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        con.execute("SELECT setseed(?)", [seed])
        con.execute("INSERT INTO snapshot_info VALUES ('bench', now(), ?, 2026, '', NULL)", [la])
        con.register("areas", areas.reset_index(drop=True))
        n_areas = len(areas)
        lineage = "'bench' AS source, 'r' || i AS record_id, 'bench.csv' AS file, 1 AS row_number, 'l1' AS load_id"

        def fill(table: str, select: str) -> None:
            # By position: each SELECT lists the contract's columns in order, lineage first.
            con.execute(f'INSERT INTO "{table}" SELECT * FROM ({select})')

        fill("persons", f"""
            SELECT 'P' || i AS person_id, {lineage},
                   CASE WHEN random() < 0.51 THEN 'M' ELSE 'F' END AS sex,
                   DATE '2008-04-01' + CAST(random() * 6570 AS INTEGER) AS dob,
                   (['WBRI','WOTH','MWBC','AIND','APKN','BAFR','BCRB','CHNE','OOTH','REFU'])[1 + CAST(floor(random() * 10) AS INTEGER)] AS ethnicity,
                   NULL AS postcode, a.lsoa11_code AS lsoa11, a.ward19_code AS ward_code,
                   CAST(a.imd_decile AS INTEGER) AS imd_decile, 'LA' || i AS la_child_id
            FROM range({children}) t(i)
            JOIN (SELECT *, row_number() OVER () - 1 AS k FROM areas) a ON a.k = i % {n_areas}""")
        fill("referrals", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER) AS person_id, {lineage},
                   'R' || i AS referral_id, d AS referral_date, '1' AS referral_source,
                   'N1' AS primary_need, random() < 0.065 AS referral_nfa,
                   CASE WHEN random() < 0.8 THEN d + CAST(random() * 400 AS INTEGER) END AS closure_date,
                   'RC1' AS reason_for_closure
            FROM (SELECT i, {start} + CAST(random() * {days} AS INTEGER) AS d
                  FROM range({int(children * 0.052 * years)}) t(i))""")
        fill("assessments", f"""
            SELECT r.person_id, {lineage}, r.referral_id, 'A' || i AS assessment_id,
                   r.referral_date + 2 AS start_date,
                   r.referral_date + CAST(random() * 70 AS INTEGER) AS authorisation_date
            FROM (SELECT *, row_number() OVER () AS i FROM referrals) r WHERE random() < 0.8""")
        fill("assessment_factors", f"""
            SELECT person_id, {lineage}, assessment_id, factor FROM (
              SELECT a.person_id, a.assessment_id, f.factor, row_number() OVER () AS i
              FROM assessments a, (SELECT unnest(['3B','4B','1B','2B','16A','17A','4A','20']) AS factor) f
              WHERE random() < 0.25)""")
        fill("section47", f"""
            SELECT r.person_id, {lineage}, r.referral_id, r.referral_date + 3 AS start_date,
                   r.referral_date + 18 AS icpc_target,
                   CASE WHEN random() < 0.3 THEN r.referral_date + 3 + CAST(random() * 25 AS INTEGER) END AS icpc_date,
                   FALSE AS icpc_not_required
            FROM (SELECT *, row_number() OVER () AS i FROM referrals) r WHERE random() < 0.36""")
        fill("cp_plans", f"""
            SELECT s.person_id, {lineage}, s.referral_id, s.icpc_date AS start_date,
                   CASE WHEN random() < 0.7 THEN s.icpc_date + CAST(random() * 700 AS INTEGER) END AS end_date,
                   'NEG' AS initial_category, 'NEG' AS latest_category,
                   CAST(random() < 0.25 AS INTEGER) AS number_of_previous_cpp
            FROM (SELECT *, row_number() OVER () AS i FROM section47 WHERE icpc_date IS NOT NULL) s""")
        fill("cin_plans", f"""
            SELECT r.person_id, {lineage}, r.referral_id, r.referral_date + 30 AS start_date,
                   r.closure_date AS end_date
            FROM (SELECT *, row_number() OVER () AS i FROM referrals) r WHERE random() < 0.5""")
        fill("cla_episodes", f"""
            SELECT person_id, {lineage}, 'C' || person_id AS child, decom,
                   CASE WHEN k = 0 THEN 'S' ELSE 'P' END AS rne, 'C2' AS ls, 'N1' AS cin,
                   (['U1','U4','K2','H5','P1','U3'])[1 + CAST(floor(random() * 6) AS INTEGER)] AS place,
                   'PR1' AS place_provider,
                   CASE WHEN k < 2 OR random() < 0.3 THEN decom + 150 END AS dec,
                   CASE WHEN k < 2 THEN 'X1' ELSE (['E45','E11','E41','E13'])[1 + CAST(floor(random() * 4) AS INTEGER)] END AS rec,
                   NULL AS reason_place_change, 'BS1 4' AS home_post,
                   CASE WHEN random() < 0.2 THEN 'M1 1' ELSE 'BS3 1' END AS pl_post, NULL AS urn,
                   2026 AS collection_year
            FROM (SELECT p.person_id, k, row_number() OVER () AS i,
                         {start} + CAST(h * {days} + 150 * k AS INTEGER) AS decom
                  FROM (SELECT person_id, random() AS h FROM persons WHERE random() < 0.012) p,
                       range(3) r(k))""")
        fill("oc2_outcomes", f"""
            SELECT person_id, {lineage}, child, CAST(random() * 30 AS INTEGER) AS sdq_score, NULL,
                   random() < 0.02, random() < 0.9, random() < 0.85, random() < 0.8, TRUE,
                   random() < 0.03, FALSE, FALSE
            FROM (SELECT DISTINCT person_id, child, 1 AS i FROM cla_episodes)""")
        fill("care_leavers", f"""
            SELECT person_id, {lineage}, 'CL' || i AS child, DATE '2005-06-01' + CAST(random() * 1500 AS INTEGER) AS dob,
                   'YES' AS in_touch, (['F1','G4','P2','G6'])[1 + CAST(floor(random() * 4) AS INTEGER)] AS activ,
                   (['Z1','U1','S2','B1'])[1 + CAST(floor(random() * 4) AS INTEGER)] AS accom,
                   2026 - CAST(floor(random() * {years}) AS INTEGER) AS collection_year
            FROM (SELECT 'P' || i AS person_id, i FROM range({children // 150}) t(i))""")
        fill("asq_reviews", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER) AS person_id, {lineage},
                   {start} + CAST(random() * {days} AS INTEGER) AS review_date, 27 AS age_months,
                   (ARRAY[24, 27, 30, 33, 36])[1 + CAST(floor(random() * 5) AS INTEGER)] AS questionnaire,
                   CAST(random() * 60 AS INTEGER), CAST(random() * 60 AS INTEGER),
                   CAST(random() * 60 AS INTEGER), CAST(random() * 60 AS INTEGER),
                   CAST(random() * 60 AS INTEGER)
            FROM range({children // 18 * years}) t(i)""")
        elgs = ", ".join(f"CASE WHEN random() < 0.85 THEN 2 ELSE 1 END AS elg{n:02d}" for n in range(1, 18))
        fill("eyfs_profile", f"""
            SELECT *, elg01 = 2 AND elg02 = 2 AND elg03 = 2 AND elg04 = 2 AND elg05 = 2 AND elg06 = 2
                      AND elg07 = 2 AND elg08 = 2 AND elg09 = 2 AND elg10 = 2 AND elg11 = 2 AND elg12 = 2 AS gld
            FROM (SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER) AS person_id, {lineage},
                         2025 - CAST(floor(random() * {years}) AS INTEGER) AS assessment_year, {elgs}
                  FROM range({children // 18 * years}) t(i))""")
        fill("education", f"""
            SELECT person_id, {lineage}, make_date(y, 1, 16) AS census_date, '100000' AS school_urn,
                   '5' AS nc_year, random() < 0.25 AS fsm_eligible,
                   (['N','N','N','K','E'])[1 + CAST(floor(random() * 5) AS INTEGER)] AS sen_provision,
                   300 AS sessions_possible, CAST(random() * 30 AS INTEGER), CAST(random() * 10 AS INTEGER),
                   CAST(random() < 0.02 AS INTEGER), FALSE
            FROM (SELECT 'P' || i AS person_id, i, 2026 - k AS y
                  FROM range({int(children * 0.7)}) t(i), range({years}) r(k))""")
        fill("homelessness", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER), {lineage}, 'H' || i,
                   {start} + CAST(random() * {days} AS INTEGER), 'relief', 'Other', random() < 0.5, NULL
            FROM range({children // 100 * years}) t(i)""")
        fill("youth_justice", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER), {lineage},
                   {start} + CAST(random() * {days} AS INTEGER) AS o, {start} + CAST(random() * {days} AS INTEGER),
                   'Youth caution', 'Theft'
            FROM range({children // 200 * years}) t(i)""")
        fill("voice", f"""
            SELECT person_id, {lineage}, {start} + CAST(random() * {days} AS INTEGER),
                   (['Always','Mostly','Sometimes','Rarely','Never'])[1 + CAST(floor(random() * 5) AS INTEGER)], '', ''
            FROM (SELECT person_id, row_number() OVER () AS i FROM care_leavers)""")
        fill("case_notes", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER), {lineage},
                   {start} + CAST(random() * {days} AS INTEGER),
                   CASE WHEN random() < 0.5 THEN 'Social worker' ELSE 'School nurse' END,
                   CASE WHEN random() < 0.3 THEN 'Mum disclosed domestic abuse at home.' ELSE 'Home visit.' END
            FROM range({children // 10 * years}) t(i)""")
        fill("early_help", f"""
            SELECT 'P' || CAST(floor(random() * {children}) AS INTEGER), {lineage},
                   {start} + CAST(random() * {days} AS INTEGER) AS s, NULL
            FROM range({children // 50 * years}) t(i)""")
        fill("missing_episodes", f"""
            SELECT person_id, {lineage}, child, 'M', decom + 20, decom + 22
            FROM (SELECT *, row_number() OVER () AS i FROM cla_episodes WHERE random() < 0.1)""")
        fill("uasc", f"""
            SELECT DISTINCT person_id, {lineage}, child, NULL FROM
              (SELECT person_id, child, 1 AS i FROM cla_episodes WHERE random() < 0.05)""")
        fill("adoptions", f"""
            SELECT person_id, {lineage}, child, dec - 300, dec - 100, 'N', '1', 'MF', 'L0'
            FROM (SELECT *, row_number() OVER () AS i FROM cla_episodes WHERE rec = 'E11')""")
        con.unregister("areas")
    return path
