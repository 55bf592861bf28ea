"""A small synthetic deployment for subject access, challenge and retention tests.

Three children: Amara (P0000000001) is known to social care, school, health visiting
and has case notes; her brother Kai (P0000000002) shares her household; Leo
(P0000000003) is only in the school census. Files are written as partners send them
and the warehouse snapshot follows the pipeline's model (``kinsight.store.model``).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb

from kinsight.store.model import tables

AMARA, KAI, LEO = "P0000000001", "P0000000002", "P0000000003"
SNAPSHOT = "20261101T020000Z"

SOURCES = {
    "social_care_persons": {
        "file": "partners/social_care_persons/social_care_persons_2026-10.csv",
        "record_id": "CHILD_ID", "agreement": "multi-agency-safeguarding",
        "columns": {"nhs_number": "NHS_NUMBER", "upn": "UPN", "forename": "FORENAME", "surname": "SURNAME",
                    "dob": "DOB", "sex": "GENDER", "postcode": "POSTCODE", "other_id": "CHILD_ID"},
        "rows": [
            (AMARA, {"CHILD_ID": "SC1001", "NHS_NUMBER": "9434765919", "UPN": "A123456789012",
                     "FORENAME": "Amara", "SURNAME": "Okoro", "DOB": "14/03/2015", "GENDER": "F",
                     "ETHNICITY": "BAFR", "POSTCODE": "N1 2AB", "ADDRESS": "1 Elm Row"}),
            (KAI, {"CHILD_ID": "SC1002", "NHS_NUMBER": "9434765870", "UPN": "B123456789012",
                   "FORENAME": "Kai", "SURNAME": "Okoro", "DOB": "02/07/2012", "GENDER": "M",
                   "ETHNICITY": "BAFR", "POSTCODE": "N1 2AB", "ADDRESS": "1 Elm Row"}),
        ],
    },
    "school_census": {
        "file": "partners/school_census/school_census_2026-10.csv",
        "record_id": "PUPIL_ID", "agreement": "early-help",
        "columns": {"upn": "UPN", "forename": "FORENAME", "surname": "LEGAL_SURNAME", "dob": "DOB",
                    "sex": "GENDER", "postcode": "POSTCODE"},
        "rows": [
            (AMARA, {"PUPIL_ID": "SCH-1", "UPN": "A123456789012", "LEGAL_SURNAME": "Okoro", "FORENAME": "Amara",
                     "DOB": "2015-03-14", "GENDER": "F", "POSTCODE": "N1 2AB", "SESSIONS_POSSIBLE": "300",
                     "SESSIONS_UNAUTHORISED_ABSENCE": "12", "CENSUS_DATE": "2026-10-01"}),
            (KAI, {"PUPIL_ID": "SCH-2", "UPN": "B123456789012", "LEGAL_SURNAME": "Okoro", "FORENAME": "Kai",
                   "DOB": "2012-07-02", "GENDER": "M", "POSTCODE": "N1 2AB", "SESSIONS_POSSIBLE": "300",
                   "SESSIONS_UNAUTHORISED_ABSENCE": "40", "CENSUS_DATE": "2026-10-01"}),
            (LEO, {"PUPIL_ID": "SCH-3", "UPN": "C123456789012", "LEGAL_SURNAME": "Fairweather", "FORENAME": "Leo",
                   "DOB": "2014-11-30", "GENDER": "M", "POSTCODE": "N7 9ZZ", "SESSIONS_POSSIBLE": "300",
                   "SESSIONS_UNAUTHORISED_ABSENCE": "0", "CENSUS_DATE": "2026-10-01"}),
        ],
    },
    "health_visiting": {
        "file": "partners/health_visiting/health_visiting_2018.csv",
        "record_id": "HV_ID", "agreement": "early-help",
        "columns": {"nhs_number": "NHS_NO", "forename": "FIRST_NAME", "surname": "LAST_NAME",
                    "dob": "DATE_OF_BIRTH", "postcode": "POSTCODE"},
        "rows": [
            (AMARA, {"HV_ID": "HV-77", "NHS_NO": "943 476 5919", "FIRST_NAME": "Amara", "LAST_NAME": "Okoro-Bello",
                     "DATE_OF_BIRTH": "2015-03-14", "POSTCODE": "N1 2AB", "REVIEW_DATE": "2017-09-01",
                     "ASQ_COMMUNICATION": "45"}),
        ],
    },
    "case_notes": {
        "file": "partners/case_notes/case_notes_2026-10.csv",
        "record_id": "NOTE_ID", "agreement": "multi-agency-safeguarding",
        "columns": {"other_id": "CHILD_ID"},
        "rows": [
            (AMARA, {"NOTE_ID": "N-1", "CHILD_ID": "SC1001", "NOTE_DATE": "2026-10-03", "AUTHOR_ROLE": "social worker",
                     "NOTE_TEXT": "Visited Amara at home. Kai was at school. Amara says she feels safe."}),
            (KAI, {"NOTE_ID": "N-2", "CHILD_ID": "SC1002", "NOTE_DATE": "2026-10-04", "AUTHOR_ROLE": "social worker",
                   "NOTE_TEXT": "Kai worried about Amara and about money at home."}),
        ],
    },
}


def build(root: Path, *, snapshot_id: str = SNAPSHOT) -> Path:
    """Write the deployment under ``root``; return its kinsight.toml."""
    toml = ['[project]\nla = "E09000019"\nwarehouse = "warehouse"\n']
    for name, spec in SOURCES.items():
        path = root / spec["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        header = list(dict.fromkeys(k for _, row in spec["rows"] for k in row))
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            writer.writerows(row for _, row in spec["rows"])
        columns = "\n".join(f'{k} = "{v}"' for k, v in spec["columns"].items())
        toml.append(f'[[sources]]\nname = "{name}"\npath = "{Path(spec["file"]).parent}"\nformat = "csv"\n'
                    f'record_id = "{spec["record_id"]}"\nagreement = "{spec["agreement"]}"\n'
                    f'[sources.columns]\n{columns}\n')
    config = root / "kinsight.toml"
    config.write_text("\n".join(toml), encoding="utf-8")
    _snapshot(root / "warehouse", snapshot_id)
    return config


def _snapshot(warehouse: Path, snapshot_id: str) -> None:
    (warehouse / "snapshots").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse / "snapshots" / f"{snapshot_id}.duckdb"))
    for table in tables().values():
        con.execute(table.ddl())

    def insert(table, lineage, *values):
        marks = ", ".join("?" for _ in range(6 + len(values)))
        con.execute(f'INSERT INTO "{table}" ({_columns(table)}) VALUES ({marks})', [*lineage, *values])

    for name, spec in SOURCES.items():
        for number, (person, row) in enumerate(spec["rows"], 1):
            lineage = (person, name, row[spec["record_id"]], spec["file"], number, "L1")
            insert("source_records", lineage)
            if name == "school_census":
                insert("education", lineage, date(2026, 10, 1), "100001", "6", False, "N",
                       int(row["SESSIONS_POSSIBLE"]), 0, int(row["SESSIONS_UNAUTHORISED_ABSENCE"]), 0, False)
                insert("identifiers", lineage, "upn", row["UPN"], True)
            elif name == "case_notes":
                insert("case_notes", lineage, date.fromisoformat(row["NOTE_DATE"]), row["AUTHOR_ROLE"],
                       row["NOTE_TEXT"])
            elif name == "health_visiting":
                insert("asq_reviews", lineage, date(2017, 9, 1), 30, 30, 45, 50, 50, 50, 50)
            elif name == "social_care_persons":
                insert("identifiers", lineage, "nhs_number", row["NHS_NUMBER"], True)
                dob = date(*reversed([int(p) for p in row["DOB"].split("/")]))
                insert("persons", lineage, row["GENDER"], dob, row["ETHNICITY"], row["POSTCODE"], None, None, None,
                       row["CHILD_ID"])
    sc = SOURCES["social_care_persons"]
    insert("relationships", (AMARA, "social_care_persons", "SC1001", sc["file"], 1, "L1"), KAI, "same household")
    insert("relationships", (KAI, "social_care_persons", "SC1002", sc["file"], 2, "L1"), AMARA, "same household")
    con.execute("INSERT INTO persons (person_id, dob) VALUES (?, ?)", [LEO, date(2014, 11, 30)])
    con.close()
    (warehouse / "CURRENT").write_text(snapshot_id, encoding="utf-8")


def _columns(table: str) -> str:
    return ", ".join(f'"{c}"' for c in tables()[table].all_columns())
