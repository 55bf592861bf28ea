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

LINEAGE = {
    "person_id": "VARCHAR", "source": "VARCHAR", "record_id": "VARCHAR", "file": "VARCHAR",
    "row_number": "INTEGER", "load_id": "VARCHAR",
}
D, V, I, B = "DATE", "VARCHAR", "INTEGER", "BOOLEAN"

#: Contract §5: the columns of each fact table besides lineage, with the types we rely on.
TABLES: dict[str, dict[str, str]] = {
    "persons": {"sex": V, "dob": D, "ethnicity": V, "postcode": V, "lsoa11": V, "ward_code": V,
                "imd_decile": I, "la_child_id": V},
    "identifiers": {"kind": V, "value": V, "is_valid": B},
    "source_records": {},
    "relationships": {"related_person_id": V, "relationship": V},
    "contacts": {"contact_date": D, "contact_source": V},
    "early_help": {"start_date": D, "end_date": D},
    "referrals": {"referral_id": V, "referral_date": D, "referral_source": V, "primary_need": V,
                  "referral_nfa": B, "closure_date": D, "reason_for_closure": V},
    "assessments": {"referral_id": V, "assessment_id": V, "start_date": D,
                    "authorisation_date": D},
    "assessment_factors": {"assessment_id": V, "factor": V},
    "cin_plans": {"referral_id": V, "start_date": D, "end_date": D},
    "section47": {"referral_id": V, "start_date": D, "icpc_target": D, "icpc_date": D,
                  "icpc_not_required": B},
    "cp_plans": {"referral_id": V, "start_date": D, "end_date": D, "initial_category": V,
                 "latest_category": V, "number_of_previous_cpp": I},
    "cla_episodes": {"child": V, "decom": D, "rne": V, "ls": V, "cin": V, "place": V,
                     "place_provider": V, "dec": D, "rec": V, "reason_place_change": V,
                     "home_post": V, "pl_post": V, "urn": V, "collection_year": I},
    "cla_reviews": {"child": V, "review": D, "review_code": V},
    "missing_episodes": {"child": V, "missing": V, "mis_start": D, "mis_end": D},
    "uasc": {"child": V, "duc": D},
    "oc2_outcomes": {"child": V, "sdq_score": I, "sdq_reason": V, "convicted": B,
                     "health_check": B, "immunisations": B, "teeth_check": B,
                     "health_assessment": B, "substance_misuse": B,
                     "intervention_received": B, "intervention_offered": B},
    "care_leavers": {"child": V, "dob": D, "in_touch": V, "activ": V, "accom": V,
                     "collection_year": I},
    "adoptions": {"child": V, "date_int": D, "date_match": D, "foster_care": V, "nb_adoptr": V,
                  "sex_adoptr": V, "ls_adoptr": V},
    "placed_for_adoption": {"child": V, "date_placed": D, "date_placed_ceased": D,
                            "reason_placed_ceased": V},
    "asq_reviews": {"review_date": D, "age_months": I, "questionnaire": I, "communication": I,
                    "gross_motor": I, "fine_motor": I, "problem_solving": I,
                    "personal_social": I},
    "eyfs_profile": {"assessment_year": I, **{f"elg{n:02d}": I for n in range(1, 18)},
                     "gld": B},
    "education": {"census_date": D, "school_urn": V, "nc_year": V, "fsm_eligible": B,
                  "sen_provision": V, "sessions_possible": I,
                  "sessions_authorised_absence": I, "sessions_unauthorised_absence": I,
                  "suspensions": I, "permanent_exclusion": B},
    "youth_services": {"start_date": D, "provision": V, "sessions_attended": I},
    "homelessness": {"case_ref": V, "approach_date": D, "duty": V, "reason": V,
                     "temporary_accommodation": B, "ta_type": V},
    "youth_justice": {"offence_date": D, "outcome_date": D, "outcome": V, "offence_type": V},
    "voice": {"survey_date": D, "feel_safe_and_settled": V, "in_my_own_words": V,
              "accommodation_in_my_words": V},
    "case_notes": {"note_date": D, "author_role": V, "note_text": V},
}
#: Tables without lineage columns.
PLAIN_TABLES: dict[str, dict[str, str]] = {
    "loads": {"load_id": V, "source": V, "file": V, "sha256": V, "rows": I, "rejected": I,
              "loaded_at": "TIMESTAMP"},
    "snapshot_info": {"snapshot_id": V, "created_at": "TIMESTAMP", "la": V,
                      "collection_year": I, "config_sha256": V},
}


def _columns(table: str) -> dict[str, str]:
    if table in PLAIN_TABLES:
        return PLAIN_TABLES[table]
    return {**LINEAGE, **TABLES[table]}


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in [*TABLES, *PLAIN_TABLES]:
        columns = ", ".join(f'"{name}" {kind}' for name, kind in _columns(table).items())
        con.execute(f'CREATE TABLE "{table}" ({columns})')


def create_warehouse(path: Path, rows: dict[str, list[dict[str, Any]]], la: str = "E06000023") -> Path:
    """A snapshot file holding ``rows`` (table → list of column dicts; others empty)."""
    path = Path(path)
    with duckdb.connect(str(path)) as con:
        create_tables(con)
        con.execute(
            "INSERT INTO snapshot_info VALUES ('test', now(), ?, 2026, '')", [la]
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
