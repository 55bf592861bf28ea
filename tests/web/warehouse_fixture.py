"""A tiny deployment with a warehouse snapshot in the shape of docs/contracts.md §5.

Two children: P000000001A (a social worker's allocated child, with a referral, a case note and a
school record) and P000000002B (nobody's child). Built directly in DuckDB so the web tests do not
depend on running the whole pipeline.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

LINEAGE = "source VARCHAR, record_id VARCHAR, file VARCHAR, row_number INTEGER, load_id VARCHAR"
CHILD = "P000000001A"
OTHER_CHILD = "P000000002B"
NHS_NUMBER = "9434765919"

TABLES = {
    "persons": "person_id VARCHAR, sex VARCHAR, dob DATE, ethnicity VARCHAR, postcode VARCHAR, lsoa11 VARCHAR, "
               "ward_code VARCHAR, imd_decile INTEGER, la_child_id VARCHAR",
    "identifiers": "person_id VARCHAR, kind VARCHAR, value VARCHAR, is_valid BOOLEAN",
    "referrals": "person_id VARCHAR, referral_id VARCHAR, referral_date DATE, referral_source VARCHAR, "
                 "primary_need VARCHAR, referral_nfa BOOLEAN, closure_date DATE, reason_for_closure VARCHAR",
    "case_notes": "person_id VARCHAR, note_date DATE, author_role VARCHAR, note_text VARCHAR",
    "education": "person_id VARCHAR, census_date DATE, school_urn VARCHAR, nc_year VARCHAR, fsm_eligible BOOLEAN, "
                 "sen_provision VARCHAR, sessions_possible INTEGER, sessions_authorised_absence INTEGER, "
                 "sessions_unauthorised_absence INTEGER, suspensions INTEGER, permanent_exclusion BOOLEAN",
    "source_records": "person_id VARCHAR",
    "loads": "load_id VARCHAR, source VARCHAR, file VARCHAR, sha256 VARCHAR, rows INTEGER, rejected INTEGER, loaded_at TIMESTAMP",
    "snapshot_info": "snapshot_id VARCHAR, created_at TIMESTAMP, la VARCHAR, collection_year INTEGER, config_sha256 VARCHAR",
}

ROWS = {
    "persons": [
        (CHILD, "F", "2015-04-07", "WBRI", "MK9 1AA", "E01016700", "E05009405", 3, "LA0000001",
         "social_care_persons", "CHILD-1", "persons.csv", 1, "L1"),
        (OTHER_CHILD, "M", "2012-01-02", "WBRI", "MK9 2BB", "E01016701", "E05009405", 5, "LA0000002",
         "social_care_persons", "CHILD-2", "persons.csv", 2, "L1"),
    ],
    "identifiers": [(CHILD, "nhs_number", NHS_NUMBER, True, "social_care_persons", "CHILD-1", "persons.csv", 1, "L1")],
    "referrals": [(CHILD, "R1", "2025-06-01", "1A", "N1", False, None, None, "cin_census", "LA0000001", "cin.xml", 1, "L2"),
                  (OTHER_CHILD, "R2", "2025-07-01", "3A", "N2", False, None, None, "cin_census", "LA0000002", "cin.xml", 2, "L2")],
    "case_notes": [(CHILD, "2025-06-03", "social worker", "Visited at home; school worried about attendance.",
                    "case_notes", "NOTE-1", "notes.csv", 1, "L3")],
    "education": [(CHILD, "2026-01-15", "110000", "5", True, "N", 300, 10, 12, 0, False,
                   "school_census", "PUPIL-1", "school.csv", 1, "L4")],
    "source_records": [
        (CHILD, "social_care_persons", "CHILD-1", "persons.csv", 1, "L1"),
        (CHILD, "cin_census", "LA0000001", "cin.xml", 1, "L2"),
        (CHILD, "case_notes", "NOTE-1", "notes.csv", 1, "L3"),
        (CHILD, "school_census", "PUPIL-1", "school.csv", 1, "L4"),
        (OTHER_CHILD, "social_care_persons", "CHILD-2", "persons.csv", 2, "L1"),
        (OTHER_CHILD, "cin_census", "LA0000002", "cin.xml", 2, "L2"),
    ],
    "snapshot_info": [("20260101T000000Z", "2026-01-01 00:00:00", "E06000042", 2026, "x")],
}


def build_deployment(root: Path) -> Path:
    """Write kinsight.toml and a current snapshot under ``root``; return the config path."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "kinsight.toml"
    config.write_text(
        '[project]\nla = "E06000042"\nwarehouse = "warehouse"\n\n'
        '[[sources]]\nname = "social_care_persons"\npath = "partners/social_care_persons"\n'
        'format = "csv"\nrecord_id = "CHILD_ID"\nagreement = "multi-agency-safeguarding"\n',
        encoding="utf-8",
    )
    snapshots = root / "warehouse" / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(snapshots / "20260101T000000Z.duckdb"))
    for table, columns in TABLES.items():
        lineage = f", {LINEAGE}" if table not in {"loads", "snapshot_info"} else ""
        con.execute(f"CREATE TABLE {table} ({columns}{lineage})")
        for row in ROWS.get(table, []):
            con.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", list(row))
    con.close()
    (root / "warehouse" / "CURRENT").write_text("20260101T000000Z\n", encoding="utf-8")
    return config
