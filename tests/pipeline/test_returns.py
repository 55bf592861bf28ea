"""The statutory returns in the warehouse: the 903 (this year and last) and the CIN census."""

from __future__ import annotations

import pytest
from pipeline_fixtures import write

from kinsight.core.config import load_config
from kinsight.store import open_snapshot, run_pipeline

CONFIG = """
[project]
la = "E09000027"
warehouse = "warehouse"

[[sources]]
name = "ssda903"
path = "returns/ssda903/2026"
format = "ssda903"
record_id = "CHILD"
previous = ["returns/ssda903/2025"]
id_namespace = "la_child_id"
[sources.columns]
other_id = "CHILD"
dob = "DOB"
sex = "SEX"
upn = "UPN"

[[sources]]
name = "cin_census"
path = "returns/cin/cin_census_2026.xml"
format = "cin_xml"
record_id = "LAchildID"
id_namespace = "la_child_id"
[sources.columns]
other_id = "LAchildID"
dob = "PersonBirthDate"
sex = "Sex"
"""

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\n"

CIN = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year>
    <ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails>
    <Source><SourceLevel>L</SourceLevel><LEA>318</LEA></Source></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>C1</LAchildID><UPN>A123456789012</UPN>
        <PersonBirthDate>2015-03-27</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2025-10-06</CINreferralDate><ReferralSource>6</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>
        <Assessments><AssessmentActualStartDate>2025-10-07</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2025-11-20</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>3A</AssessmentFactors>
            <AssessmentFactors>4B</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
        <ChildProtectionPlans><CPPstartDate>2025-12-01</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>C2</LAchildID><PersonBirthDate>2012-01-02</PersonBirthDate>
        <Sex>F</Sex></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>BAFR</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2025-05-01</CINreferralDate><ReferralNFA>1</ReferralNFA></CINdetails>
      <CINdetails><CINreferralDate>2026-01-01</CINreferralDate><ReferralNFA>0</ReferralNFA>
        <Assessments><AssessmentActualStartDate>2026-01-02</AssessmentActualStartDate></Assessments>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


@pytest.fixture
def returns(tmp_path):
    write(tmp_path / "returns/ssda903/2026/header.csv", HEADER + "C1,M,27/03/2015,WBRI,A123456789012,,\n")
    write(tmp_path / "returns/ssda903/2026/episodes.csv", EPISODES
          + "C1,01/05/2025,S,V2,N1,U1,PR1,,,,SW1A 1AA,SW1A 2AA,SC123456\n")
    write(tmp_path / "returns/ssda903/2026/reviews.csv", REVIEWS + "C1,27/03/2015,01/06/2025,PN1\n")
    write(tmp_path / "returns/ssda903/2025/header.csv", HEADER + "C1,M,27/03/2015,WBRI,A123456789012,,\n"
          "C9,F,01/01/2008,WBRI,,,\nC2,F,02/01/2012,BAFR,,,\n")
    write(tmp_path / "returns/ssda903/2025/episodes.csv", EPISODES
          + "C1,01/06/2024,S,V2,N1,U1,PR1,01/09/2024,E4A,,SW1A 1AA,SW1A 2AA,\n"
          + "C9,01/01/2024,S,C2,N1,K2,PR1,,,,SW1A 1AA,SW1A 2AA,\n"
          + "C2,01/02/2024,S,V2,N1,U4,PR1,01/03/2024,E4A,,SW1A 1AA,SW1A 2AA,\n")
    write(tmp_path / "returns/ssda903/2025/reviews.csv", REVIEWS + "C9,01/01/2008,01/03/2024,PN1\n")
    write(tmp_path / "returns/cin/cin_census_2026.xml", CIN)
    return write(tmp_path / "kinsight.toml", CONFIG)


def test_episodes_of_both_years_carry_their_collection_year_and_dates(returns):
    config = load_config(returns)
    summary = run_pipeline(config)
    con = open_snapshot(config)
    episodes = con.execute("""SELECT child, decom::VARCHAR, dec::VARCHAR, collection_year, file
                              FROM cla_episodes ORDER BY collection_year, child""").fetchall()
    assert [e[:4] for e in episodes] == [("C1", "2024-06-01", "2024-09-01", 2025),
                                         ("C2", "2024-02-01", "2024-03-01", 2025),
                                         ("C9", "2024-01-01", None, 2025),
                                         ("C1", "2025-05-01", None, 2026)]
    # Lineage names the table's own file, not just the return's folder.
    assert episodes[3][4].endswith("2026/episodes.csv")
    assert summary["tables"]["cla_episodes"] == 4


def test_last_years_rows_reach_their_child_through_the_la_child_id(returns):
    # C2 left care before this year's 903, so only the CIN census links them now.
    config = load_config(returns)
    run_pipeline(config)
    con = open_snapshot(config)
    people = dict(con.execute("SELECT child, person_id FROM cla_episodes WHERE collection_year = 2025").fetchall())
    referred = con.execute("SELECT DISTINCT person_id FROM referrals WHERE record_id = 'C2'").fetchone()[0]
    assert people["C2"] == referred is not None
    assert people["C9"] is None  # in no current source: nobody to attach them to


def test_tables_without_a_collection_year_hold_the_current_return_only(returns):
    config = load_config(returns)
    run_pipeline(config)
    con = open_snapshot(config)
    assert con.execute("SELECT child, review::VARCHAR, review_code FROM cla_reviews").fetchall() == [
        ("C1", "2025-06-01", "PN1")]


def test_cin_census_facts_get_ids_unique_across_children(returns):
    config = load_config(returns)
    run_pipeline(config)
    con = open_snapshot(config)
    referrals = con.execute("""SELECT record_id, referral_id, referral_date::VARCHAR, referral_nfa, primary_need
                               FROM referrals ORDER BY referral_id""").fetchall()
    assert referrals == [("C1", "C1/1", "2025-10-06", False, "N1"),
                         ("C2", "C2/1", "2025-05-01", True, None),
                         ("C2", "C2/2", "2026-01-01", False, None)]
    factors = con.execute("SELECT assessment_id, factor FROM assessment_factors ORDER BY factor").fetchall()
    assert factors == [("C1/1/1", "3A"), ("C1/1/1", "4B")]
    assert con.execute("SELECT referral_id, initial_category, number_of_previous_cpp FROM cp_plans").fetchall() == [
        ("C1/1", "NEG", 0)]
    assert con.execute("SELECT count(*) FROM assessments").fetchone()[0] == 2


def test_the_returns_are_validated_and_the_headline_recorded(returns):
    config = load_config(returns)
    summary = run_pipeline(config)
    for name in ("ssda903", "cin_census"):
        headline = summary["validation"][name]
        assert headline["collection_year"] == 2026
        assert {"errors", "queries", "rows_read"} <= set(headline)
    again = run_pipeline(config)
    assert again["validation"]["ssda903"]["reused"] is True


def test_the_903_is_validated_with_the_ofsted_lists_its_source_names(returns):
    without_lists = run_pipeline(load_config(returns))["validation"]["ssda903"]
    returns.write_text(returns.read_text().replace('previous = ["returns/ssda903/2025"]',
                                                   'previous = ["returns/ssda903/2025"]\nproviders = "returns/ofsted"'))
    lists = ("URN,Local authority,Placement code,Placement provider code,Deregistration date,Setting postcode\n"
             "SC123456,Westminster,U1,PR1,,SW1A 2AA\n")
    write(returns.parent / "returns/ofsted/providers.csv", lists)
    config = load_config(returns)
    assert run_pipeline(config)["validation"]["ssda903"]["rules_run"] > without_lists["rules_run"]
    # A new download of the lists is validated anew, not taken from the cache.
    write(returns.parent / "returns/ofsted/providers.csv", lists + "SC999999,Westminster,U1,PR1,,SW1A 2AA\n")
    assert "reused" not in run_pipeline(config)["validation"]["ssda903"]


def test_linked_children_of_the_returns_become_persons_with_their_ethnicity(returns):
    config = load_config(returns)
    run_pipeline(config)
    con = open_snapshot(config)
    persons = con.execute("SELECT la_child_id, ethnicity, sex, dob::VARCHAR FROM persons ORDER BY 1").fetchall()
    assert ("C2", "BAFR", "F", "2012-01-02") in persons
    assert ("C1", "WBRI", "M", "2015-03-27") in persons


def test_the_returns_give_person_records_through_their_mapping(returns, monkeypatch):
    monkeypatch.undo()  # the real person records reader
    from kinsight.sources.person_records import read_person_records

    config = load_config(returns)
    header = read_person_records(config.source("ssda903"))
    assert header.select(["source", "record_id", "other_id", "sex", "upn"]).to_pylist() == [
        {"source": "ssda903", "record_id": "C1", "other_id": "C1", "sex": "M", "upn": "A123456789012"}]
    assert header["file"][0].as_py().endswith("header.csv") and header["row_number"][0].as_py() == 1
    children = read_person_records(config.source("cin_census"))
    assert [str(d) for d in children["dob"].to_pylist()] == ["2015-03-27", "2012-01-02"]
    assert children["sex"].to_pylist() == ["M", "F"]
