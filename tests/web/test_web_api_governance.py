"""The data protection officer's rights work over the JSON API: subject access, challenges, break-glass."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from test_web_api import post_json
from warehouse_fixture import CHILD

from kinsight.governance import challenge
from kinsight.governance.models import AuditEntry, BreakGlass, Challenge, Rectification, SubjectAccessCase

pytestmark = pytest.mark.django_db


def test_the_dpo_opens_a_subject_access_request_sees_its_deadline_pauses_it_and_gets_the_pack(
        signed_in, deployment, starter_agreements):
    client = signed_in("dpo", username="dee")
    opened = post_json(client, "/api/subject-access/cases",
                       {"person_ref": CHILD, "requester": "the young person", "received_on": "2026-11-02"})
    assert opened.status_code == 201
    case = opened.json()
    assert case["due_on"] == "2026-12-02" and case["status"] == "open" and "person_id" not in case
    assert client.get("/api/subject-access/cases").json()[0]["reference"] == case["reference"]

    base = f"/api/subject-access/cases/{case['reference']}"
    assert post_json(client, f"{base}/actions", {"action": "pause", "reason": "identity"}).json()["status"] == "paused"
    assert post_json(client, f"{base}/actions", {"action": "resume"}).json()["status"] == "open"
    pack = post_json(client, f"{base}/pack", {}).json()
    assert pack["subject"]["person_id"] == CHILD and pack["records"]
    assert AuditEntry.objects.filter(action="sar.paused", target=CHILD).exists()
    assert AuditEntry.objects.filter(action="sar.pack", target=CHILD, actor="dee").exists()


@pytest.mark.parametrize("body, message", [
    ({"person_ref": "P999999999Z"}, "no records are held about P999999999Z"),
    ({"person_ref": CHILD, "received_on": "yesterday"}, "is not a date"),
    ({"person_ref": "nonsense"}, "neither a person_id"),
])
def test_a_request_that_cannot_be_opened_is_a_400_that_says_why(signed_in, deployment, body, message):
    response = post_json(signed_in("dpo"), "/api/subject-access/cases", body)
    assert response.status_code == 400 and message in response.json()["error"]
    assert not SubjectAccessCase.objects.exists()


def test_a_pause_needs_a_lawful_reason_and_an_unknown_case_is_named(signed_in, deployment):
    client = signed_in("dpo")
    reference = post_json(client, "/api/subject-access/cases", {"person_ref": CHILD}).json()["reference"]
    unlawful = post_json(client, f"/api/subject-access/cases/{reference}/actions", {"action": "pause", "reason": "busy"})
    assert unlawful.status_code == 400 and "identity" in unlawful.json()["error"]
    assert post_json(client, f"/api/subject-access/cases/{reference}/actions", {"action": "shred"}).status_code == 400
    unknown = post_json(client, "/api/subject-access/cases/SAR-NOPE/pack", {})
    assert unknown.status_code == 400 and "SAR-NOPE" in unknown.json()["error"]


def test_the_dpo_lists_and_decides_challenges(signed_in, deployment, starter_agreements):
    raised = challenge.raise_challenge(person_id=CHILD, kind="fact", raised_by="the person", statement="wrong date",
                                       source="cin_census", record_id="LA0000001", field="referral_date",
                                       proposed_value="2025-06-02", actor="jo")
    client = signed_in("dpo", username="dee")
    listed = client.get("/api/challenges").json()
    assert [c["reference"] for c in listed] == [raised.reference] and listed[0]["kind"] == "fact"
    path = f"/api/challenges/{raised.reference}/decision"
    no_reason = post_json(client, path, {"decision": "rectify", "reason": ""})
    assert no_reason.status_code == 400 and "needs reasons" in no_reason.json()["error"]
    assert post_json(client, path, {"decision": "unlink", "reason": "x"}).status_code == 400
    decided = post_json(client, path, {"decision": "rectify", "reason": "school confirmed"})
    assert decided.status_code == 200 and decided.json()["status"] == "rectified"
    assert Rectification.objects.get().value == "2025-06-02"
    assert client.get("/api/challenges").json() == []
    assert AuditEntry.objects.filter(action="challenge.list", target=CHILD, actor="dee").count() == 1
    again = post_json(client, path, {"decision": "reject", "reason": "x"})
    assert again.status_code == 400 and "already decided" in again.json()["error"]


def test_the_dpo_reviews_break_glass_uses_but_never_their_own(signed_in):
    now = timezone.now()
    use = BreakGlass.objects.create(user="sam", role="social_worker", organisation="la", person_id="P0000000009",
                                    reason="child at risk tonight", granted_at=now, expires_at=now + timedelta(hours=1))
    own = BreakGlass.objects.create(user="dee", role="social_worker", organisation="la", person_id="P0000000008",
                                    reason="covering duty", granted_at=now, expires_at=now + timedelta(hours=1))
    client = signed_in("dpo", username="dee")
    assert [u["id"] for u in client.get("/api/break-glass").json()] == [use.pk, own.pk]
    shown = AuditEntry.objects.filter(action="break_glass.list", actor="dee")
    assert set(shown.values_list("target", flat=True)) == {"P0000000009", "P0000000008"}
    assert post_json(client, f"/api/break-glass/{use.pk}/review", {"justified": "yes"}).status_code == 400
    reviewed = post_json(client, f"/api/break-glass/{use.pk}/review", {"justified": True, "note": "checked"})
    assert reviewed.status_code == 200 and reviewed.json()["review_outcome"] == "justified"
    refused = post_json(client, f"/api/break-glass/{own.pk}/review", {"justified": True})
    assert refused.status_code == 400 and "own" in refused.json()["error"]
    assert post_json(client, "/api/break-glass/999999/review", {"justified": False}).status_code == 400


@pytest.mark.parametrize("role", ["analyst", "social_worker", "researcher", "family", "admin"])
def test_other_roles_are_refused_every_rights_endpoint_and_each_refusal_is_audited(signed_in, deployment, role):
    raised = challenge.raise_challenge(person_id=CHILD, kind="fact", raised_by="the person", statement="wrong",
                                       source="cin_census", record_id="LA0000001", field="referral_date", actor="jo")
    client = signed_in(role)
    calls = [
        lambda: client.get("/api/subject-access/cases"),
        lambda: post_json(client, "/api/subject-access/cases", {"person_ref": CHILD}),
        lambda: post_json(client, "/api/subject-access/cases/SAR-X/actions", {"action": "complete"}),
        lambda: post_json(client, "/api/subject-access/cases/SAR-X/pack", {}),
        lambda: client.get("/api/challenges"),
        lambda: post_json(client, f"/api/challenges/{raised.reference}/decision", {"decision": "reject", "reason": "x"}),
        lambda: client.get("/api/break-glass"),
        lambda: post_json(client, "/api/break-glass/1/review", {"justified": True}),
    ]
    for call in calls:
        assert call().status_code == 403
    denied = AuditEntry.objects.filter(action="access.person", outcome="deny")
    assert denied.count() == len(calls)
    assert not SubjectAccessCase.objects.exists() and Challenge.objects.get().status == "open"


def test_a_state_changing_call_without_the_csrf_token_is_refused(make_user, deployment):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("dpo", password=None))
    assert client.get("/api/subject-access/cases").status_code == 200
    refused = post_json(client, "/api/subject-access/cases", {"person_ref": CHILD})
    assert refused.status_code == 403 and not SubjectAccessCase.objects.exists()
    client.get("/governance/rights/")  # a page with a form sets the csrftoken cookie
    allowed = client.post("/api/subject-access/cases", json.dumps({"person_ref": CHILD}),
                          content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert allowed.status_code == 201


def test_a_request_can_name_the_child_by_any_one_of_their_records(signed_in, deployment):
    client = signed_in("dpo")
    opened = post_json(client, "/api/subject-access/cases", {"person_ref": "social_care_persons:CHILD-1"})
    assert opened.status_code == 201, opened.json()
    assert SubjectAccessCase.objects.get().person_id == CHILD
    unknown_source = post_json(client, "/api/subject-access/cases", {"person_ref": "gossip:CHILD-1"})
    assert unknown_source.status_code == 400 and "gossip" in unknown_source.json()["error"]
