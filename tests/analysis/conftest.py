"""A small hand-made warehouse whose every figure can be worked out on paper.

The LA is Bristol (801, E06000023; 0–17 population 92,705 in mid-2024). The period under test
is the year to 31 March 2026. Comments say what each row is there to show.
"""

from datetime import date

import duckdb
import pytest

from kinsight.analysis.dummy import create_warehouse

D = date
ASHLEY, LAWRENCE_HILL = "E05010885", "E05010897"


def person(pid, sex, dob, ethnicity="WBRI", ward=ASHLEY, lsoa="E01014485", decile=4):
    return dict(person_id=pid, sex=sex, dob=dob, ethnicity=ethnicity, ward_code=ward,
                lsoa11=lsoa, imd_decile=decile)


ROWS = {
    "persons": [
        person("P01", "F", D(2014, 5, 1)),
        person("P02", "M", D(2012, 1, 1), "BAFR", LAWRENCE_HILL, "E01014540", 1),
        person("P03", "F", D(2016, 3, 3)),
        person("P04", "M", D(2011, 7, 7), "MWBC", LAWRENCE_HILL, "E01014540", 1),
        person("P05", "F", D(2012, 9, 9)),
        person("P06", "M", D(2010, 2, 2), "AIND"),
        person("P07", "M", D(2009, 2, 2)),
        person("P08", "F", D(2015, 4, 4)),
        person("P09", "F", D(2023, 1, 1)),
        person("P10", "F", D(2008, 1, 15)),
        person("P11", "M", D(2005, 6, 1)),
        person("P12", "M", D(2007, 11, 1)),
        person("P13", "F", D(2023, 5, 1)),
        person("P14", "M", D(2023, 3, 1)),
        person("P15", "F", D(2019, 10, 1)),
        person("P16", "M", D(2020, 7, 1)),
        person("P17", "F", D(2011, 1, 1)),
    ],
    "referrals": [
        # P01: a re-referral (previous referral 5 months before), still open at 31 March
        dict(person_id="P01", referral_id="R1", referral_date=D(2025, 1, 10), closure_date=D(2025, 3, 1)),
        dict(person_id="P01", referral_id="R2", referral_date=D(2025, 6, 10)),
        # P02: closed with no further action the same day
        dict(person_id="P02", referral_id="R3", referral_date=D(2025, 7, 10), referral_nfa=True,
             closure_date=D(2025, 7, 10)),
        # P03: a previous referral 16 months before does not make a re-referral
        dict(person_id="P03", referral_id="R4", referral_date=D(2024, 1, 1), closure_date=D(2024, 2, 1)),
        dict(person_id="P03", referral_id="R5", referral_date=D(2025, 5, 1)),
        # P04: closed before the end of the period
        dict(person_id="P04", referral_id="R6", referral_date=D(2025, 9, 1), closure_date=D(2026, 1, 15)),
        # P16: known to social care before the EYFS profile
        dict(person_id="P16", referral_id="R7", referral_date=D(2024, 5, 1), closure_date=D(2024, 9, 1)),
    ],
    "assessments": [
        # 15 working days from Tue 10 June to Tue 1 July
        dict(person_id="P01", referral_id="R2", assessment_id="A1", start_date=D(2025, 6, 11),
             authorisation_date=D(2025, 7, 1)),
        # 65 working days
        dict(person_id="P04", referral_id="R6", assessment_id="A2", start_date=D(2025, 9, 2),
             authorisation_date=D(2025, 12, 1)),
    ],
    "assessment_factors": [
        dict(person_id="P01", assessment_id="A1", factor="3B"),
        dict(person_id="P01", assessment_id="A1", factor="4B"),
        dict(person_id="P01", assessment_id="A1", factor="2B"),
        dict(person_id="P04", assessment_id="A2", factor="3B"),
        dict(person_id="P04", assessment_id="A2", factor="16A"),
    ],
    "section47": [
        # 14 working days; then 16 working days
        dict(person_id="P01", referral_id="R2", start_date=D(2025, 7, 2), icpc_date=D(2025, 7, 22)),
        dict(person_id="P04", referral_id="R6", start_date=D(2025, 9, 5), icpc_date=D(2025, 9, 29)),
    ],
    "cp_plans": [
        dict(person_id="P01", referral_id="R2", start_date=D(2025, 7, 22), number_of_previous_cpp=1),
        dict(person_id="P04", referral_id="R0", start_date=D(2023, 3, 1), number_of_previous_cpp=0),
        dict(person_id="P03", referral_id="R5", start_date=D(2025, 10, 1), end_date=D(2025, 12, 1),
             number_of_previous_cpp=0),
    ],
    "cla_episodes": [
        # P05: in care since 2022, same foster placement since January 2023, 13 years old
        dict(person_id="P05", child="C5", decom=D(2022, 6, 1), rne="S", ls="C2", place="U1",
             dec=D(2023, 1, 1), rec="X1", home_post="BS1 4", pl_post="BS1 5"),
        dict(person_id="P05", child="C5", decom=D(2023, 1, 1), rne="P", ls="C2", place="U4",
             home_post="BS1 4", pl_post="BS1 5"),
        # P06: started this year, three placements, the last one in Manchester; UASC
        dict(person_id="P06", child="C6", decom=D(2025, 5, 1), rne="S", ls="V2", place="K2",
             dec=D(2025, 8, 1), rec="X1", home_post="BS1 4", pl_post="BS2 0"),
        dict(person_id="P06", child="C6", decom=D(2025, 8, 1), rne="P", ls="V2", place="U1",
             dec=D(2025, 11, 1), rec="X1", home_post="BS1 4", pl_post="BS3 1"),
        dict(person_id="P06", child="C6", decom=D(2025, 11, 1), rne="B", ls="C2", place="U3",
             home_post="BS1 4", pl_post="M1 1"),
        # P07: a series of short breaks is not "looked after" for these measures
        dict(person_id="P07", child="C7", decom=D(2024, 1, 1), rne="S", ls="V3", place="U1"),
        # P08: left care on a special guardianship order; last year's return still has the
        # episode open, and must not make P08 looked after now
        dict(person_id="P08", child="C8", decom=D(2024, 6, 1), rne="S", ls="C2", place="U1",
             dec=D(2025, 10, 1), rec="E45", collection_year=2026),
        dict(person_id="P08", child="C8", decom=D(2024, 6, 1), rne="S", ls="C2", place="U1",
             collection_year=2025),
        # P09: adopted
        dict(person_id="P09", child="C9", decom=D(2025, 4, 10), rne="S", ls="E1", place="A3",
             dec=D(2025, 12, 1), rec="E11"),
    ],
    "uasc": [dict(person_id="P06", child="C6")],
    "missing_episodes": [dict(person_id="P05", child="C5", missing="M", mis_start=D(2025, 11, 1))],
    "oc2_outcomes": [
        dict(person_id="P05", child="C5", sdq_score=14, health_check=True, immunisations=False,
             teeth_check=True, convicted=False, substance_misuse=False),
    ],
    "adoptions": [dict(person_id="P09", child="C9", date_int=D(2025, 4, 20), date_match=D(2025, 10, 20))],
    "care_leavers": [
        dict(person_id="P10", child="C10", dob=D(2008, 1, 15), activ="F1", accom="Z1", collection_year=2026),
        dict(person_id="P11", child="C11", dob=D(2005, 6, 1), activ="G4", accom="S2", collection_year=2026),
        dict(person_id="P12", child="C12", dob=D(2007, 11, 1), collection_year=2026),
    ],
    "voice": [
        dict(person_id="P10", survey_date=D(2025, 9, 1), feel_safe_and_settled="Mostly"),
        dict(person_id="P11", survey_date=D(2025, 9, 3), feel_safe_and_settled="Rarely"),
    ],
    "asq_reviews": [
        dict(person_id="P13", review_date=D(2025, 6, 1), questionnaire=24, communication=30,
             gross_motor=40, fine_motor=40, problem_solving=35, personal_social=35),
        # below the 27-month communication cut-off (24.02)
        dict(person_id="P14", review_date=D(2025, 9, 1), questionnaire=27, communication=20,
             gross_motor=50, fine_motor=50, problem_solving=50, personal_social=50),
        dict(person_id="P15", review_date=D(2022, 6, 1), questionnaire=30, communication=60,
             gross_motor=60, fine_motor=60, problem_solving=60, personal_social=60),
    ],
    "eyfs_profile": [
        dict(person_id="P15", assessment_year=2025, gld=True, **{f"elg{n:02d}": 2 for n in range(1, 18)}),
        dict(person_id="P16", assessment_year=2025, gld=False, elg01=1,
             **{f"elg{n:02d}": 2 for n in range(2, 18)}),
    ],
    "education": [
        dict(person_id="P15", census_date=D(2025, 1, 16), fsm_eligible=True, sen_provision="K"),
        dict(person_id="P16", census_date=D(2025, 1, 16), fsm_eligible=False, sen_provision="N"),
    ],
    "homelessness": [dict(person_id="P17", case_ref="H1", approach_date=D(2025, 8, 1), duty="relief")],
    "youth_justice": [dict(person_id="P01", outcome_date=D(2025, 10, 1), outcome="Youth caution")],
}


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory):
    return create_warehouse(tmp_path_factory.mktemp("warehouse") / "snapshot.duckdb", ROWS)


@pytest.fixture
def snapshot(warehouse_path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()
