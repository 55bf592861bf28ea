"""The child view: purpose asked, relationship or break-glass needed, every view audited,
withheld data explained, and no person id in any URL."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from warehouse_fixture import CHILD, NHS_NUMBER, OTHER_CHILD

from kinsight.governance import policy
from kinsight.governance.models import AuditEntry, BreakGlass

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def social_worker(signed_in, deployment, starter_agreements):
    client = signed_in("social_worker", username="sam")
    policy.add_relationship(user="sam", person_id=CHILD, start=timezone.localdate(), actor="manager")
    return client


def open_child(client, person_id, purpose="safeguarding"):
    return client.post("/children/open/", {"person_id": person_id, "purpose": purpose})


def test_a_social_worker_sees_their_child_across_services_with_where_each_fact_came_from(social_worker):
    response = open_child(social_worker, CHILD)
    assert response.status_code == 302
    location = response["Location"]
    assert CHILD not in location and re.fullmatch(r"/children/view/[\w-]+/", location)
    page = social_worker.get(location).content.decode()
    assert "Records of P000000001A" in page
    for source in ("social_care_persons", "cin_census", "case_notes", "school_census"):
        assert source in page
    assert "school worried about attendance" in page           # case note text
    assert "notes.csv, row 1" in page                          # lineage
    assert "multi-agency-safeguarding@v1" in page


def test_every_view_is_audited_with_purpose_agreement_and_decision(social_worker):
    social_worker.get(open_child(social_worker, CHILD)["Location"])
    # One entry per view, listing the decision for every source shown.
    (entry,) = AuditEntry.objects.filter(action="access.person", target=CHILD)
    assert (entry.actor, entry.role, entry.purpose, entry.outcome) == ("sam", "social_worker", "safeguarding", "allow")
    assert entry.agreement.startswith("multi-agency-safeguarding")
    decisions = {d["dataset"]: d for d in entry.details["decisions"]}
    assert {"social_care_persons", "cin_census", "case_notes", "school_census"} <= set(decisions)
    assert all(d["outcome"] == "allow" and d["agreement"].startswith("multi-agency-safeguarding")
               and d["permitted"] for d in decisions.values())
    social_worker.get(open_child(social_worker, CHILD)["Location"])
    assert AuditEntry.objects.filter(action="access.person", target=CHILD).count() == 2  # every view, every time


def test_without_a_relationship_the_worker_gets_403_an_audit_entry_and_the_break_glass_offer(social_worker):
    response = social_worker.get(open_child(social_worker, OTHER_CHILD)["Location"])
    assert response.status_code == 403
    page = response.content.decode()
    assert "no legitimate relationship" in page and "Open emergency access" in page
    assert AuditEntry.objects.filter(target=OTHER_CHILD, outcome="deny").exists()


def test_break_glass_needs_a_real_reason_then_opens_access_for_the_dpo_to_review(social_worker):
    location = open_child(social_worker, OTHER_CHILD)["Location"]
    refused = social_worker.post(location + "break-glass/", {"reason": "urgent"}, follow=True)
    assert "at least 15 characters" in refused.content.decode()
    social_worker.post(location + "break-glass/", {"reason": "Police report child missing tonight, need placement details"})
    response = social_worker.get(location)
    assert response.status_code == 200 and "Break-glass" in response.content.decode()
    assert BreakGlass.objects.get(person_id=OTHER_CHILD).review_outcome == "pending"


def test_guessing_a_person_id_that_does_not_exist_gets_the_same_403_and_is_audited(social_worker):
    response = open_child(social_worker, "P999999999Z")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(target="P999999999Z", outcome="deny").exists()


def test_guessing_a_view_token_gets_403_and_is_audited(social_worker):
    response = social_worker.get("/children/view/guessed-token/")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="access.person", outcome="deny",
                                     details__reason="unknown child view token").exists()


def test_a_view_token_from_another_session_does_not_work(social_worker, client, make_user):
    location = open_child(social_worker, CHILD)["Location"]
    from django.test import Client

    other = Client()
    other.force_login(make_user("social_worker", username="other", password=None))
    assert other.get(location).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "dpo", "head_of_service", "researcher", "family", "partner", "admin"])
def test_other_roles_get_403_and_an_audit_entry_on_every_child_page(signed_in, deployment, starter_agreements, role):
    client = signed_in(role)
    assert open_child(client, CHILD).status_code == 403
    assert client.get("/children/").status_code == 403
    assert client.get("/children/view/any-token/").status_code == 403
    assert client.post("/children/search/", {"kind": "nhs_number", "value": NHS_NUMBER}).status_code == 403
    denied = AuditEntry.objects.filter(action="access.person", outcome="deny", role=role)
    assert denied.filter(target=CHILD).exists()
    assert denied.count() == 4


def test_a_suspended_agreement_withholds_everything_and_says_so(social_worker):
    from kinsight.governance import agreements

    agreements.transition("multi-agency-safeguarding", "suspended", actor="dpo", reason="breach")
    response = social_worker.get(open_child(social_worker, CHILD)["Location"])
    # Early help still covers some sources for an early help purpose, not for safeguarding.
    page = response.content.decode()
    assert response.status_code == 403
    assert "is suspended" in page


def test_the_purpose_must_be_given(social_worker):
    response = social_worker.post("/children/open/", {"person_id": CHILD}, follow=True)
    assert "Select why you need to see" in response.content.decode()


def test_finding_a_child_by_nhs_number_is_a_post_and_audited(social_worker):
    response = social_worker.post("/children/search/", {"kind": "nhs_number", "value": "943 476 5919"})
    assert response.status_code == 200 and CHILD in response.content.decode()
    entry = AuditEntry.objects.get(action="child.search")
    assert entry.target == CHILD and NHS_NUMBER not in str(entry.details)


def test_an_unknown_identifier_is_said_plainly(social_worker):
    response = social_worker.post("/children/search/", {"kind": "upn", "value": "A000"})
    assert response.status_code == 400 and "No child has that Unique pupil number" in response.content.decode()


def test_the_childs_list_shows_the_workers_allocated_children(social_worker):
    page = social_worker.get("/children/").content.decode()
    assert CHILD in page and OTHER_CHILD not in page
