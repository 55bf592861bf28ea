"""The family portal: what is held, where from, who looked and why, the links, and challenges."""

from __future__ import annotations

import pytest
from django.utils import timezone
from warehouse_fixture import CHILD, OTHER_CHILD

from kinsight.governance import policy
from kinsight.governance.models import AuditEntry, Challenge

pytestmark = pytest.mark.django_db


@pytest.fixture
def young_person(signed_in, deployment, starter_agreements):
    return signed_in("family", username="jo", person_id=CHILD)


def test_a_young_person_sees_what_is_held_and_where_it_came_from(young_person):
    page = young_person.get("/your-records/").content.decode()
    assert "What we hold about you" in page
    assert "cin.xml" in page and "notes.csv" in page
    assert "Exit this page" in page
    assert "How your records were joined" in page and "Your rights" in page


def test_they_see_who_looked_at_their_records_and_why(young_person, make_user):
    policy.add_relationship(user="sam", person_id=CHILD, start=timezone.localdate(), actor="manager")
    policy.decide(policy.AccessRequest(user="sam", role="social_worker", organisation="la", purpose="safeguarding",
                                       dataset="case_notes", fields=("case_notes.note_text",), person_id=CHILD))
    page = young_person.get("/your-records/").content.decode()
    assert "sam (Social worker)" in page and "Safeguarding a child" in page


def test_they_never_see_someone_elses_records_whatever_they_send(young_person):
    page = young_person.get("/your-records/?person_id=" + OTHER_CHILD).content.decode()
    assert "LA0000002" not in page and "CHILD-2" not in page


def test_they_raise_a_challenge_about_a_fact_and_the_dpo_gets_it(young_person):
    response = young_person.post("/your-records/challenge/", {
        "kind": "fact", "record": "cin_census|LA0000001", "field": "referral_date",
        "proposed_value": "2025-06-02", "statement": "I was referred a day later than this says.",
    }, follow=True)
    assert "has been sent to the data protection officer" in response.content.decode()
    challenge = Challenge.objects.get()
    assert challenge.person_id == CHILD and challenge.kind == "fact" and challenge.status == "open"
    assert AuditEntry.objects.filter(action="challenge.raised", target=CHILD).exists()


def test_a_challenge_about_someone_elses_record_is_refused(young_person):
    response = young_person.post("/your-records/challenge/", {
        "kind": "fact", "record": "cin_census|LA0000002", "field": "x", "statement": "not mine",
    }, follow=True)
    assert "Choose the record you think is wrong" in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_challenge_needs_a_statement(young_person):
    response = young_person.post("/your-records/challenge/", {
        "kind": "fact", "record": "cin_census|LA0000001", "field": "referral_date", "statement": " ",
    }, follow=True)
    assert "Say what is wrong" in response.content.decode()


def test_an_account_not_yet_connected_says_so(signed_in, deployment):
    page = signed_in("family").get("/your-records/").content.decode()
    assert "not yet connected" in page


@pytest.mark.parametrize("role", ["social_worker", "analyst", "dpo"])
def test_staff_do_not_use_the_family_portal(signed_in, deployment, role):
    assert signed_in(role, person_id=CHILD).get("/your-records/").status_code == 403
    assert AuditEntry.objects.filter(action="access.person", outcome="deny", role=role).exists()
