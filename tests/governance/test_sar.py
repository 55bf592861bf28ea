"""Subject access: the whole picture for one child, and nobody else's."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from kinsight.core.config import load_config
from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, challenge, policy, sar, sar_cases
from kinsight.governance.models import AuditEntry

from . import deployment
from .conftest import NOW
from .deployment import AMARA, KAI, LEO

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def config(deployment_config, starter_agreements):
    return load_config(deployment_config)


def identifiers_of(person):
    """Every identifier of a person in the synthetic deployment: ids, numbers, record ids, names."""
    found = {person}
    for spec in deployment.SOURCES.values():
        for owner, row in spec["rows"]:
            if owner == person:
                found.add(row[spec["record_id"]])
                found.update(row[c] for a, c in spec["columns"].items()
                             if a in ("nhs_number", "upn", "forename", "other_id") and c in row)
    return found


def pack_for(config, ref=AMARA, **kwargs):
    return sar.subject_access(config, ref, actor="dpo.jones", now=NOW, **kwargs)


def test_every_source_record_of_the_child_is_in_the_pack_with_where_it_came_from(config):
    pack = pack_for(config)
    held = {(r["source"], r["record_id"]) for r in pack["records"]}
    expected = {(name, row[spec["record_id"]]) for name, spec in deployment.SOURCES.items()
                for owner, row in spec["rows"] if owner == AMARA}
    assert held == expected
    school = next(r for r in pack["records"] if r["source"] == "school_census")
    assert school["data"]["FORENAME"] == "Amara"
    assert school["file"] == "school_census_2026-10.csv" and school["row_number"] == 1
    assert "your school" in school["came_from"]
    assert school["facts"]["education"][0]["sessions_unauthorised_absence"] == 12


@pytest.mark.parametrize("other", [KAI, LEO])
def test_no_other_childs_identifiers_are_in_the_pack(config, tmp_path, other):
    files = sar.write_pack(pack_for(config), tmp_path / "pack")
    for text in (files.json.read_text(encoding="utf-8"), files.html.read_text(encoding="utf-8")):
        for identifier in identifiers_of(other):
            assert not re.search(rf"\b{re.escape(identifier)}\b", text), identifier


def test_third_parties_are_redacted_unless_they_are_the_requester(config):
    pack = pack_for(config)
    note = next(r for r in pack["records"] if r["source"] == "case_notes")
    assert note["data"]["NOTE_TEXT"] == f"Visited Amara at home. {sar.WITHHELD} was at school. Amara says she feels safe."
    relationship = next(r for r in pack["records"] if r["source"] == "social_care_persons")["facts"]["relationships"][0]
    assert relationship["related_person_id"] == sar.WITHHELD
    assert {r["why"] for r in pack["redactions"]} == {"a reference to another person or household",
                                                       "another person's name in written text"}
    as_requested_by_kai = pack_for(config, requester_person_id=KAI)
    relationship = next(r for r in as_requested_by_kai["records"]
                        if r["source"] == "social_care_persons")["facts"]["relationships"][0]
    assert relationship["related_person_id"] == KAI


def test_a_source_file_changed_since_the_snapshot_never_shows_another_childs_row(config):
    school = config.source("school_census").path / "school_census_2026-10.csv"
    lines = school.read_text(encoding="utf-8").splitlines()
    school.write_text("\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n", encoding="utf-8")  # rows 1, 2 swap
    record = next(r for r in pack_for(config)["records"] if r["source"] == "school_census")
    assert record["data"] == {}
    assert record["facts"]["education"]  # what the warehouse holds is still shown


def test_a_record_reference_finds_the_same_child(config):
    assert pack_for(config, "health_visiting:HV-77")["subject"]["person_id"] == AMARA


@pytest.mark.parametrize(
    "ref, message",
    [
        ("P9999999999", "no records are held about P9999999999"),
        ("school_census:NOPE", "no record 'NOPE' from school_census is held"),
        ("libraries:123", "no source named 'libraries'"),
        ("Amara Okoro", "neither a person_id"),
    ],
)
def test_an_unknown_reference_is_refused_clearly(config, ref, message):
    with pytest.raises(KinsightError, match=message):
        pack_for(config, ref)


def test_every_link_is_explained_in_plain_english(config):
    links = pack_for(config)["links"]
    assert len(links) == 3
    health = next(link for link in links if link["record"]["source"] == "health_visiting")
    assert health["agreeing"][:2] == ["nhs_number", "dob"]
    assert "because both have the same NHS number, date of birth" in health["explanation"]


def test_recipients_purposes_retention_and_automated_processing_are_stated(config):
    policy.add_relationship(user="sw.patel", person_id=AMARA, start=date(2026, 1, 1), actor="allocations")
    policy.decide(policy.AccessRequest("sw.patel", "social_worker", "la", "safeguarding", "case_notes",
                                       ("case_notes.note_text",), AMARA, NOW))
    pack = pack_for(config)
    assert {"who": "sw.patel", "role": "Social worker", "purpose": "Safeguarding a child", "outcome": "allow"}.items() \
        <= next(r for r in pack["recipients"] if r["what"] == "access.person").items()
    assert {p["agreement"] for p in pack["purposes"]} == {"early-help", "multi-agency-safeguarding"}
    assert any("Children Act 2004 s.11" in law for p in pack["purposes"] for law in p["law_that_allows_sharing"])
    assert {k["how_long"] for k in pack["retention"]} == {"until your 25th birthday, then deleted"}
    assert "record linkage" in pack["automated_processing"]
    assert any("Information Commissioner" in right for right in pack["rights"])


def test_making_a_pack_is_itself_audited(config):
    pack_for(config)
    entry = AuditEntry.objects.get(action="sar.pack")
    assert (entry.target, entry.purpose, entry.details["records"]) == (AMARA, "subject_access", 4)


def test_a_rectification_is_shown_beside_the_record(config):
    raised = challenge.raise_challenge(person_id=AMARA, kind="fact", raised_by="the young person",
                                       statement="I left that school in July", source="school_census",
                                       record_id="SCH-1", field="SCHOOL_URN", proposed_value="left July 2026",
                                       actor="dpo.jones", now=NOW)
    challenge.resolve(raised.reference, decision="rectify", resolver="dpo.jones", resolver_role="dpo",
                      reason="School confirmed the leaving date", now=NOW)
    pack = pack_for(config)
    school = next(r for r in pack["records"] if r["source"] == "school_census")
    assert school["rectifications"] == [{"field": "SCHOOL_URN", "corrected_value": "left July 2026",
                                         "challenge": raised.reference}]
    assert pack["challenges"][0]["status"] == "rectified"


def test_the_html_is_self_contained_plain_and_accessible(config, tmp_path):
    files = sar.write_pack(pack_for(config), tmp_path / "pack")
    html = files.html.read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html and "<title>What we hold about you</title>" in html
    assert 'href="#main"' in html and "<main" in html
    assert not re.search(r"<script|<link|src=|https?://", html)
    assert html.count("<h1>") == 1 and 'scope="col"' in html and "<caption>" in html
    assert json.loads(files.json.read_text(encoding="utf-8"))["subject"]["person_id"] == AMARA


def test_sar_cases_run_to_a_one_month_deadline_with_lawful_pauses_and_extension(db):
    case = sar_cases.open_case(person_id=AMARA, requester="the young person", received_on=date(2026, 1, 31),
                               actor="dpo.jones")
    assert sar_cases.status(case.reference, date(2026, 2, 10)).due_on == date(2026, 2, 28)
    sar_cases.pause(case.reference, reason="identity", on=date(2026, 2, 5), actor="dpo.jones")
    assert sar_cases.status(case.reference, date(2026, 2, 15)).due_on == date(2026, 3, 10)  # clock stopped 10 days
    sar_cases.resume(case.reference, on=date(2026, 2, 12), actor="dpo.jones")
    assert sar_cases.status(case.reference, date(2026, 3, 1)).due_on == date(2026, 3, 7)
    sar_cases.extend(case.reference, reason="Records span six services and ten years", actor="dpo.jones")
    status = sar_cases.status(case.reference, date(2026, 3, 1))
    assert status.due_on == date(2026, 5, 7) and not status.overdue
    sar_cases.complete(case.reference, on=date(2026, 5, 1), actor="dpo.jones")
    assert [s.status for s in sar_cases.cases(date(2026, 6, 1))] == ["completed"]
    actions = list(AuditEntry.objects.filter(target=AMARA).values_list("action", flat=True))
    assert actions == ["sar.case_opened", "sar.paused", "sar.resumed", "sar.extended", "sar.completed"]


@pytest.mark.parametrize("reason", ["holiday", ""])
def test_only_lawful_reasons_pause_the_clock(db, reason):
    case = sar_cases.open_case(person_id=AMARA, requester="a parent", received_on=date(2026, 1, 1), actor="dpo")
    with pytest.raises(KinsightError, match="identity, clarification, fee"):
        sar_cases.pause(case.reference, reason=reason, on=date(2026, 1, 2), actor="dpo")


def test_a_late_case_is_overdue(db):
    case = sar_cases.open_case(person_id=AMARA, requester="a parent", received_on=date(2026, 1, 1), actor="dpo")
    assert sar_cases.status(case.reference, date(2026, 2, 2)).overdue


def test_an_expired_agreement_still_appears_among_purposes(config):
    agreements.transition("early-help", "suspended", actor="dpo", now=NOW)
    assert "early-help" in {p["agreement"] for p in pack_for(config)["purposes"]}


# ----------------------------------------------------------------------------- the synthetic LA


@pytest.fixture(scope="module")
def synthetic_la(tmp_path_factory):
    """A small synthetic LA from ``kinsight synth``, with a warehouse linked by its truth."""
    from kinsight.synth import generate

    from . import synthetic_warehouse

    la = tmp_path_factory.mktemp("synthetic") / "la"
    generate(la, children=2000, seed=3)  # smaller LAs trip a synth edge case (noise.py)
    return synthetic_warehouse.build(la), la


def truth_identifiers(la, child_id):
    """A child's identifiers in the synthetic LA: person_id, NHS number, UPN and record ids."""
    from . import synthetic_warehouse

    child = next(c for c in synthetic_warehouse.children(la) if c["child_id"] == child_id)
    found = {synthetic_warehouse.person_id(child_id), child["nhs_number"], child["upn"]}
    found |= {rid for (_, rid), owner in synthetic_warehouse.truth(la).items() if owner == child_id}
    return {i for i in found if i}


@pytest.mark.slow
def test_subject_access_is_complete_and_discloses_no_other_child_on_the_synthetic_la(synthetic_la, tmp_path, db):
    from collections import Counter

    from . import synthetic_warehouse

    config, la = synthetic_la
    owners = synthetic_warehouse.truth(la)
    households = Counter(c["household_id"] for c in synthetic_warehouse.children(la))
    household_of = {c["child_id"]: c["household_id"] for c in synthetic_warehouse.children(la)}
    by_records = [child for child, _ in Counter(owners.values()).most_common()]
    with_siblings = [c for c in by_records if households[household_of[c]] > 1][:2]
    for child in dict.fromkeys(by_records[:2] + with_siblings):
        pack = sar.subject_access(config, synthetic_warehouse.person_id(child), actor="dpo", now=NOW)
        held = {(r["source"], r["record_id"]) for r in pack["records"]}
        assert held == {key for key, owner in owners.items() if owner == child}
        files = sar.write_pack(pack, tmp_path / child)
        text = files.json.read_text(encoding="utf-8") + files.html.read_text(encoding="utf-8")
        others = [c for c, h in household_of.items() if h == household_of[child] and c != child]
        others += [c for c in by_records[:20] if c != child]
        for other in others:
            for identifier in truth_identifiers(la, other):
                assert not re.search(rf"\b{re.escape(identifier)}\b", text), (child, other, identifier)


def test_the_child_indexs_match_probability_is_given_where_it_scored_the_pair(config, fake_child_index):
    import pyarrow as pa

    fake_child_index(config.warehouse, pa.table({
        "source_l": ["health_visiting", "school_census"], "record_id_l": ["HV-77", "SCH-2"],
        "source_r": ["social_care_persons", "school_census"], "record_id_r": ["SC1001", "SCH-3"],
        "match_probability": [0.987, 0.2], "match_weight": [9.6, -2.0]}))
    health = next(link for link in pack_for(config)["links"] if link["record"]["source"] == "health_visiting")
    assert health["linked_to"] == {"source": "social_care_persons", "record_id": "SC1001"}
    assert health["match_probability"] == 0.987
    assert "a 99% chance that they are about the same person" in health["explanation"]
