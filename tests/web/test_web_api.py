"""The JSON API and its OpenAPI 3 schema."""

from __future__ import annotations

import json

import pytest
from web_helpers import routes
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from warehouse_fixture import CHILD, OTHER_CHILD

from kinsight.governance import policy
from kinsight.governance.models import AuditEntry, Challenge

pytestmark = pytest.mark.django_db


def api_routes() -> set[str]:
    """Every routed API path in OpenAPI form (``{name}`` for path parameters)."""
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/"
    )
    return set(routes(resolver.url_patterns, fill=lambda name: "{" + name + "}"))


def test_the_schema_is_served_without_signing_in_and_is_openapi_3(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Kinsight API"


def test_every_api_route_is_in_the_schema_and_every_documented_path_is_routed(client):
    documented = set(client.get("/api/openapi.json").json()["paths"])
    assert api_routes() == documented


def test_every_documented_operation_says_what_it_returns(client):
    for path, operations in client.get("/api/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (path, method)
            assert "200" in operation["responses"] or "201" in operation["responses"], (path, method)


def test_me_says_who_the_caller_is(signed_in):
    body = signed_in("analyst").get("/api/me").json()
    assert body["role"] == "analyst"
    assert "quality" in body["sections"] or body["sections"] == [] or isinstance(body["sections"], list)


def test_the_api_needs_a_signed_in_user(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"error": "sign in first"}


# --- the operations ---------------------------------------------------------------------------



def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_social_worker_reads_their_childs_records_and_is_refused_others_with_audit(signed_in, deployment, starter_agreements):
    client = signed_in("social_worker", username="sam")
    policy.add_relationship(user="sam", person_id=CHILD, start=timezone.localdate(), actor="manager")
    allowed = post_json(client, "/api/children/records", {"person_id": CHILD, "purpose": "safeguarding"})
    assert allowed.status_code == 200
    assert {s["source"] for s in allowed.json()["sources"] if s["allowed"]} >= {"case_notes", "cin_census"}
    refused = post_json(client, "/api/children/records", {"person_id": OTHER_CHILD, "purpose": "safeguarding"})
    assert refused.status_code == 403
    guessed = post_json(client, "/api/children/records", {"person_id": "P123456789Q", "purpose": "safeguarding"})
    assert guessed.status_code == 403
    assert AuditEntry.objects.filter(target="P123456789Q", outcome="deny").exists()
    assert AuditEntry.objects.filter(target=OTHER_CHILD, outcome="deny").exists()


@pytest.mark.parametrize("role", ["analyst", "dpo", "researcher", "family", "admin"])
def test_every_person_level_endpoint_refuses_other_roles_with_403_and_an_audit_entry(signed_in, deployment, role):
    client = signed_in(role) if role != "family" else signed_in("analyst")
    assert post_json(client, "/api/children/records", {"person_id": CHILD, "purpose": "safeguarding"}).status_code == 403
    if role != "family":
        assert client.get("/api/your-records").status_code == 403
        assert post_json(client, "/api/your-records/challenges", {}).status_code == 403
    denied = AuditEntry.objects.filter(action="access.person", outcome="deny")
    assert denied.filter(target=CHILD).exists() and denied.count() >= 1


def test_bad_json_and_bad_purpose_are_400(signed_in, deployment, starter_agreements):
    client = signed_in("social_worker")
    assert client.post("/api/children/records", "{nope", content_type="application/json").status_code == 400
    bad = post_json(client, "/api/children/records", {"person_id": CHILD, "purpose": "curiosity"})
    assert bad.status_code == 400 and "purpose must be one of" in bad.json()["error"]


def test_indicators_are_served_protected(signed_in, deployment):
    client = signed_in("analyst")
    body = client.get("/api/indicators").json()
    assert body["outcomes"] and body["period"] == "2025-04..2026-03"
    rows = client.get("/api/indicators/referrals_rate_per_10k").json()["rows"]
    assert any(r["value"] == "c" for r in rows)


def test_the_dpo_manages_agreements_and_verifies_the_audit_log(signed_in, deployment):
    from kinsight.governance import agreements

    agreements.load_template("research", actor="setup")
    client = signed_in("dpo")
    assert client.get("/api/agreements").json()[0]["agreement_id"] == "research"
    assert post_json(client, "/api/agreements/research/status", {"status": "active"}).json()["status"] == "active"
    assert post_json(client, "/api/audit/verify", {}).json()["intact"] is True
    assert post_json(client, "/api/audit/search", {"action": "agreement.active"}).json()[0]["outcome"] == "active"
    assert post_json(client, "/api/agreements/research/status", {"status": "draft"}).status_code == 400


def test_a_young_person_reads_their_records_and_challenges_through_the_api(signed_in, deployment, starter_agreements):
    client = signed_in("family", person_id=CHILD)
    assert client.get("/api/your-records").json()["subject"]["person_id"] == CHILD
    made = post_json(client, "/api/your-records/challenges", {"kind": "fact", "source": "cin_census", "record_id": "LA0000001",
                                                              "field": "referral_date", "statement": "wrong date"})
    assert made.status_code == 201 and Challenge.objects.get().person_id == CHILD
    other = post_json(client, "/api/your-records/challenges", {"kind": "fact", "source": "cin_census", "record_id": "LA0000002",
                                                               "field": "x", "statement": "not mine"})
    assert other.status_code == 403


def test_the_review_queue_and_decisions(signed_in, deployment_with_index):
    client = signed_in("analyst")
    queue = client.get("/api/linkage/review-queue").json()
    assert queue["waiting"] >= 1
    pair = queue["pairs"][0]["pair"]
    assert post_json(client, "/api/linkage/decisions", {"pair": pair, "same": False, "reason": "twins"}).status_code == 201
    assert client.get("/api/linkage/review-queue").json()["waiting"] == queue["waiting"] - 1
    assert post_json(client, "/api/linkage/decisions", {"pair": pair}).status_code == 400
