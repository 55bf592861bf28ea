"""Hand-made deployments and a contract double of the child index, for the pipeline tests."""


from __future__ import annotations

import textwrap
from pathlib import Path

import xlsxwriter

CONFIG = """
[project]
la = "E09000027"
warehouse = "warehouse"
keep_snapshots = 3

[[sources]]
name = "social_care_persons"
path = "partners/social_care_persons"
format = "csv"
record_id = "CHILD_ID"
agreement = "multi-agency-safeguarding"
id_namespace = "la_child_id"
[sources.columns]
other_id = "CHILD_ID"
nhs_number = "NHS_NUMBER"
upn = "UPN"
forename = "FORENAME"
surname = "SURNAME"
dob = "DOB"
sex = "GENDER"
postcode = "POSTCODE"

[[sources]]
name = "health_visiting"
path = "partners/health_visiting"
format = "csv"
record_id = "HV_ID"
agreement = "early-help"
[sources.columns]
nhs_number = "NHS_NO"
forename = "FIRST_NAME"
surname = "LAST_NAME"
dob = "DATE_OF_BIRTH"
sex = "SEX"
postcode = "POSTCODE"

[[sources]]
name = "homelessness"
path = "partners/homelessness"
format = "csv"
record_id = "HCLIC_ID"
agreement = "early-help"
[sources.columns]
forename = "FORENAME"
surname = "SURNAME"
dob = "DOB"
sex = "SEX"
postcode = "POSTCODE"

[[sources]]
name = "youth_justice"
path = "partners/youth_justice"
format = "xlsx"
record_id = "YJ_ID"
agreement = "multi-agency-safeguarding"
[sources.columns]
forename = "FORENAME"
surname = "SURNAME"
dob = "DOB"
sex = "SEX"
nhs_number = "NHS_NUMBER"
upn = "UPN"

[[sources]]
name = "annex_a"
path = "returns/annex_a/annex_a.xlsx"
format = "annex_a"
record_id = "Child Unique ID"
agreement = "performance-reporting"
id_namespace = "la_child_id"
[sources.columns]
other_id = "Child Unique ID"
dob = "Date of Birth"
sex = "Gender"
"""

PERSONS = """\
CHILD_ID,NHS_NUMBER,UPN,FORENAME,SURNAME,DOB,GENDER,ETHNICITY,POSTCODE,ADDRESS
C001,9990000018,,Amira,Khan,03/04/2019,F,APKN,SW1A 1AA,1 High St
C002,9990000026,,Oliver,Smith,12/11/2015,M,WBRI,SW1A 2AA,2 High St
C003,,,Ruby,Smith,12/11/2015,F,XXXX,SW1A 2AA,2 High St
"""

HV_MARCH = """\
HV_ID,NHS_NO,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,SEX,POSTCODE,REVIEW_DATE,AGE_AT_REVIEW_MONTHS,ASQ_QUESTIONNAIRE,ASQ_COMMUNICATION,ASQ_GROSS_MOTOR,ASQ_FINE_MOTOR,ASQ_PROBLEM_SOLVING,ASQ_PERSONAL_SOCIAL
HV1,9990000018,Amira,Khan,2019-04-03,Female,SW1A 1AA,2021-06-01,26,27,50,55,40,45,not known
HV2,9990000034,Noah,Jones,2019-05-05,Male,SW1A 3AA,31/13/2021,27,27,60,60,60,60,60
"""

HV_APRIL = """\
HV_ID,NHS_NO,FIRST_NAME,LAST_NAME,DATE_OF_BIRTH,SEX,POSTCODE,REVIEW_DATE,AGE_AT_REVIEW_MONTHS,ASQ_QUESTIONNAIRE,ASQ_COMMUNICATION,ASQ_GROSS_MOTOR,ASQ_FINE_MOTOR,ASQ_PROBLEM_SOLVING,ASQ_PERSONAL_SOCIAL
HV3,9990000042,Isla,Brown,2019-06-06,Female,SW1A 4AA,2021-09-01,27,27,20,30,30,30,30
HV1,9990000018,Amira,Khan,2019-04-03,Female,SW1A 1AA,2021-06-01,26,27,50,55,40,45,50
"""

HOMELESS = """\
HCLIC_ID,CASE_REF,FORENAME,SURNAME,DOB,SEX,POSTCODE,APPROACH_DATE,DUTY,REASON,TEMPORARY_ACCOMMODATION,TA_TYPE
H1,CASE9,Oliver,Smith,2015-11-12,M,SW1A 2AA,2025-01-10,Relief,eviction,Y,B&B
H2,CASE9,Ruby,Smith,2015-11-12,F,SW1A 2AA,2025-01-10,relief,eviction,Y,B&B
"""

YJ_HEADER = ["YJ_ID", "FORENAME", "SURNAME", "DOB", "SEX", "POSTCODE", "UPN", "NHS_NUMBER", "ETHNICITY",
             "OFFENCE_DATE", "OUTCOME_DATE", "OUTCOME", "OFFENCE_TYPE"]
YJ_ROWS = [["YJ1", "Oliver", "Smith", "2015-11-12", "M", "SW1A 2AA", None, "9990000026", "WBRI",
            "2025-02-01", "2025-03-01", "Youth caution", "Theft"]]

ANNEX_A = {
    "List 1 - Contacts": (["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
                           "Date of Contact", "Contact Source"],
                          [["C001", "b) Female", "APKN", "03/04/2019", "5", "01/02/2025", "Police"],
                           ["C002", "a) Male", "WBRI", "12/11/2015", "9", "not a date", "School"]]),
    "List 2 - Early Help": (["Child Unique ID", "Gender", "Ethnicity", "DOB", "Age",
                             "Assessment start date", "Assessment completion date", "Organisation"],
                            [["C003", "b) Female", "WBRI", "12/11/2015", "9", "05/01/2025", None, "EH team"]]),
    "List 3": (["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Referral"],
               [["C002", "a) Male", "WBRI", "12/11/2015", "02/02/2025"]]),
}


def write_xlsx(path: Path, sheets: dict[str, tuple[list, list]], *, title_row: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    for name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(name)
        offset = 0
        if title_row:
            sheet.write(0, 0, f"{name} (prepared for inspection)")
            offset = 2
        sheet.write_row(offset, 0, header)
        for i, row in enumerate(rows, offset + 1):
            sheet.write_row(i, 0, row)
    workbook.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding=encoding)
    return path


def make_deployment(tmp_path: Path) -> Path:
    """A deployment folder with its kinsight.toml; returns the toml's path."""
    write(tmp_path / "partners/social_care_persons/persons_2025-03.csv", PERSONS)
    write(tmp_path / "partners/health_visiting/health_visiting_2025-03.csv", HV_MARCH, "cp1252")
    write(tmp_path / "partners/health_visiting/health_visiting_2025-04.csv", "\ufeff" + HV_APRIL)
    write(tmp_path / "partners/homelessness/homelessness_2025-03.csv", HOMELESS)
    write_xlsx(tmp_path / "partners/youth_justice/youth_justice_2025-03.xlsx",
               {"Outcomes": (YJ_HEADER, YJ_ROWS)})
    write_xlsx(tmp_path / "returns/annex_a/annex_a.xlsx", ANNEX_A, title_row=True)
    return write(tmp_path / "kinsight.toml", CONFIG)


# The child index as docs/contracts.md §3–4 describe it, so the warehouse's own
# behaviour (persons, identifiers, relationships, lineage) is specified without
# depending on how well the real model links a handful of hand-made rows.
# tests/pipeline/test_end_to_end.py runs the real index on a synthetic LA.


def read_person_records_double(source):
    import pyarrow as pa
    import pyarrow.compute as pc

    from kinsight.sources.files import parse_dates, read_table

    if source.format == "annex_a":
        from kinsight.sources.annex_a import read_children

        table = read_children(source.path)
    elif source.format == "ssda903":
        from kinsight.sources.ssda903 import read_header

        table = read_header(source.path)
    elif source.format == "cin_xml":
        from kinsight.sources.cin_census import read_children

        table = read_children(source.path)
    else:
        table = read_table(source.path, sheet=source.options.get("sheet", 0))
    n = table.num_rows
    columns = {"source": pa.array([source.name] * n), "record_id": table[source.record_id]}
    for attribute in ("nhs_number", "upn", "uln", "forename", "surname", "postcode", "other_id"):
        name = source.columns.get(attribute)
        columns[attribute] = table[name] if name else pa.nulls(n, pa.string())
    dob = source.columns.get("dob")
    columns["dob"] = parse_dates(table[dob].cast(pa.string())) if dob else pa.nulls(n, pa.date32())
    sex = source.columns.get("sex")
    first = pc.utf8_upper(pc.utf8_slice_codeunits(table[sex], 0, 1)) if sex else pa.nulls(n, pa.string())
    columns["sex"] = pc.if_else(pc.is_in(first, pa.array(["M", "F"])), first, None) if sex else first
    columns["file"] = pa.array([str(source.path)] * n)
    columns["row_number"] = table["row_number"]
    return pa.table(columns)


class _LinkageResult:
    def __init__(self, clusters):
        self.clusters = clusters
        self.changes = []
        self.report = {"clusters": len(set(clusters["person_id"].to_pylist()))}


class ContractChildIndex:
    """Links records with the same NHS number, or else the same name and date of birth."""

    def __init__(self, path):
        self.path = path

    @classmethod
    def open(cls, path):
        return cls(path)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return None

    def link(self, records):
        import hashlib

        import pyarrow as pa

        ids = []
        for row in records.to_pylist():
            key = row["nhs_number"] or f"{(row['forename'] or '').lower()}|{(row['surname'] or '').lower()}|{row['dob']}"
            if row["other_id"] and not row["nhs_number"] and not row["forename"]:
                key = f"la:{row['other_id']}"
            ids.append("P" + hashlib.sha256(key.encode()).hexdigest()[:10].upper())
        return _LinkageResult(pa.table({"source": records["source"], "record_id": records["record_id"],
                                        "person_id": ids}))


