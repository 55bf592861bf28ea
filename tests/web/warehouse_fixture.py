"""A tiny deployment with a warehouse snapshot in the shape of docs/contracts.md §5.

Two children: P000000001A (a social worker's allocated child, with a referral, a case note and a
school record) and P000000002B (nobody's child), plus a few dozen more children with referrals so
the indicators have something to count. Built with ``kinsight.analysis.dummy.create_warehouse``
(every contract table exists) so the web tests do not depend on running the whole pipeline.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from kinsight.analysis.dummy import create_warehouse

CHILD = "P000000001A"
OTHER_CHILD = "P000000002B"
NHS_NUMBER = "9434765919"
WARDS = ["E05009397", "E05009398", "E05009399"]


def _lineage(source, record_id, file, row, load):
    return {"source": source, "record_id": record_id, "file": file, "row_number": row, "load_id": load}


def rows() -> dict[str, list[dict]]:
    persons = [
        {"person_id": CHILD, "sex": "F", "dob": date(2015, 4, 7), "ethnicity": "WBRI", "postcode": "MK9 1AA",
         "lsoa11": "E01016700", "ward_code": WARDS[0], "imd_decile": 3, "la_child_id": "LA0000001",
         **_lineage("social_care_persons", "CHILD-1", "persons.csv", 1, "L1")},
        {"person_id": OTHER_CHILD, "sex": "M", "dob": date(2012, 1, 2), "ethnicity": "WBRI", "postcode": "MK9 2BB",
         "lsoa11": "E01016701", "ward_code": WARDS[1], "imd_decile": 5, "la_child_id": "LA0000002",
         **_lineage("social_care_persons", "CHILD-2", "persons.csv", 2, "L1")},
    ]
    referrals = [
        {"person_id": CHILD, "referral_id": "R1", "referral_date": date(2025, 6, 1), "referral_source": "1A",
         "primary_need": "N1", "referral_nfa": False, **_lineage("cin_census", "LA0000001", "cin.xml", 1, "L2")},
        {"person_id": OTHER_CHILD, "referral_id": "R2", "referral_date": date(2025, 7, 1), "referral_source": "3A",
         "primary_need": "N2", "referral_nfa": False, **_lineage("cin_census", "LA0000002", "cin.xml", 2, "L2")},
    ]
    for n in range(3, 60):
        person_id = f"P{n:09d}X"
        persons.append({"person_id": person_id, "sex": "MF"[n % 2], "dob": date(2010, 1, 1) + timedelta(days=37 * n),
                        "ethnicity": "WBRI", "ward_code": WARDS[n % 3], "imd_decile": 1 + n % 10,
                        **_lineage("social_care_persons", f"CHILD-{n}", "persons.csv", n, "L1")})
        referrals.append({"person_id": person_id, "referral_id": f"R{n}", "referral_date": date(2025, 4, 1) + timedelta(days=5 * n),
                          "referral_source": "1A", "primary_need": "N1", "referral_nfa": n % 4 == 0,
                          **_lineage("cin_census", f"LA{n:07d}", "cin.xml", n, "L2")})
    return {
        "persons": persons,
        "identifiers": [{"person_id": CHILD, "kind": "nhs_number", "value": NHS_NUMBER, "is_valid": True,
                         **_lineage("social_care_persons", "CHILD-1", "persons.csv", 1, "L1")},
                        {"person_id": OTHER_CHILD, "kind": "la_child_id", "value": "LA0000002", "is_valid": True,
                         **_lineage("social_care_persons", "CHILD-2", "persons.csv", 2, "L1")}],
        "referrals": referrals,
        "case_notes": [{"person_id": CHILD, "note_date": date(2025, 6, 3), "author_role": "social worker",
                        "note_text": "Visited at home; school worried about attendance.",
                        **_lineage("case_notes", "NOTE-1", "notes.csv", 1, "L3")}],
        "education": [{"person_id": CHILD, "census_date": date(2026, 1, 15), "school_urn": "110000", "nc_year": "5",
                       "fsm_eligible": True, "sen_provision": "N", "sessions_possible": 300,
                       "sessions_authorised_absence": 10, "sessions_unauthorised_absence": 12, "suspensions": 0,
                       "permanent_exclusion": False, **_lineage("school_census", "PUPIL-1", "school.csv", 1, "L4")}],
        "source_records": [
            {"person_id": CHILD, **_lineage("social_care_persons", "CHILD-1", "persons.csv", 1, "L1")},
            {"person_id": CHILD, **_lineage("cin_census", "LA0000001", "cin.xml", 1, "L2")},
            {"person_id": CHILD, **_lineage("case_notes", "NOTE-1", "notes.csv", 1, "L3")},
            {"person_id": CHILD, **_lineage("school_census", "PUPIL-1", "school.csv", 1, "L4")},
            {"person_id": OTHER_CHILD, **_lineage("social_care_persons", "CHILD-2", "persons.csv", 2, "L1")},
            {"person_id": OTHER_CHILD, **_lineage("cin_census", "LA0000002", "cin.xml", 2, "L2")},
        ],
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
    create_warehouse(snapshots / "20260101T000000Z.duckdb", rows(), la="E06000042")
    (root / "warehouse" / "CURRENT").write_text("20260101T000000Z\n", encoding="utf-8")
    return config
