"""The data protection officer's pages: agreements, the audit log, break-glass reviews."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kinsight.governance import agreements, audit
from kinsight.governance.models import Agreement, AuditEntry, BreakGlass

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_dpo_creates_an_agreement_from_a_template_as_a_draft(signed_in):
    client = signed_in("dpo")
    response = client.post("/governance/agreements/new/", {"template": "early-help"})
    assert response["Location"] == "/governance/agreements/early-help/"
    assert Agreement.objects.get(agreement_id="early-help").status == "draft"
    page = client.get("/governance/agreements/early-help/").content.decode()
    assert "Early help information sharing" in page and "Approve and activate" in page


def test_the_dpo_activates_then_suspends_an_agreement_and_both_are_audited(signed_in):
    client = signed_in("dpo", username="dee")
    client.post("/governance/agreements/new/", {"template": "research"})
    client.post("/governance/agreements/research/status/", {"status": "active", "version": 1, "reason": "approved by panel"})
    client.post("/governance/agreements/research/status/", {"status": "suspended", "version": 1, "reason": "breach reported"})
    assert agreements.get("research").status == "suspended"
    actions = list(AuditEntry.objects.filter(actor="dee").values_list("action", flat=True))
    assert actions == ["agreement.load", "agreement.active", "agreement.suspended"]


def test_a_status_the_life_cycle_forbids_is_refused_with_the_reason(signed_in):
    client = signed_in("dpo")
    client.post("/governance/agreements/new/", {"template": "research"})
    response = client.post("/governance/agreements/research/status/", {"status": "suspended", "version": 1}, follow=True)
    assert "cannot become suspended" in response.content.decode()
    assert agreements.get("research").status == "draft"


def test_an_unknown_template_or_agreement_is_handled(signed_in):
    client = signed_in("dpo")
    response = client.post("/governance/agreements/new/", {"template": "nonsense"}, follow=True)
    assert "Select a template" in response.content.decode()
    assert client.get("/governance/agreements/no-such/").status_code == 404


def test_the_audit_log_is_searched_by_post_and_the_search_is_itself_audited(signed_in):
    audit.record(actor="sam", action="access.person", target="P0000000001", outcome="deny")
    audit.record(actor="sam", action="access.person", target="P0000000002", outcome="allow")
    client = signed_in("dpo", username="dee")
    page = client.post("/governance/audit/", {"target": "P0000000001"}).content.decode()
    assert "P0000000001" in page and "P0000000002" not in page
    search = AuditEntry.objects.get(action="audit.search")
    assert search.actor == "dee" and search.details == {"target": "P0000000001"}


def test_a_bad_date_in_the_audit_search_is_named(signed_in):
    response = signed_in("dpo").post("/governance/audit/", {"date_from": "31/02/2026"})
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()


def test_the_dpo_checks_the_chain_and_sees_an_alteration(signed_in, tamperer):
    client = signed_in("dpo")
    for n in range(3):
        audit.record(actor="sam", action="access.person", target=f"P00000000{n:02d}", outcome="allow")
    page = client.post("/governance/audit/verify/", follow=True).content.decode()
    assert "Audit log intact: 3 entries" in page
    AuditEntry.objects.filter(seq=2).update(outcome="deny")
    page = client.post("/governance/audit/verify/", follow=True).content.decode()
    assert "Audit log broken at entry 2" in page


def test_the_dpo_reviews_a_break_glass_use(signed_in):
    now = timezone.now()
    use = BreakGlass.objects.create(user="sam", role="social_worker", organisation="la", person_id="P0000000009",
                                    reason="child at risk tonight, duty call", granted_at=now,
                                    expires_at=now + timedelta(hours=1))
    client = signed_in("dpo", username="dee")
    assert "child at risk tonight" in client.get("/governance/").content.decode()
    client.post(f"/governance/break-glass/{use.pk}/review/", {"justified": "yes", "note": "checked with team manager"})
    use.refresh_from_db()
    assert use.review_outcome == "justified" and use.reviewed_by == "dee"


@pytest.mark.parametrize("role", ["analyst", "social_worker", "family", "admin", "researcher"])
def test_only_the_dpo_reaches_governance(signed_in, role):
    client = signed_in(role)
    for path in ["/governance/", "/governance/audit/", "/governance/agreements/early-help/"]:
        assert client.get(path).status_code == 403, path
    assert client.post("/governance/agreements/new/", {"template": "research"}).status_code == 403
    assert not Agreement.objects.exists()


# --- subject access and challenges ----------------------------------------------------------


def test_the_dpo_records_a_subject_access_request_and_sees_its_deadline(signed_in, deployment, starter_agreements):
    from warehouse_fixture import CHILD

    client = signed_in("dpo", username="dee")
    response = client.post("/governance/rights/new/", {"person_ref": CHILD, "requester": "the young person",
                                                        "received_on": "2026-11-02"}, follow=True)
    page = response.content.decode()
    assert "opened" in page and "2 Dec 2026" in page
    from kinsight.governance.models import SubjectAccessCase

    case = SubjectAccessCase.objects.get()
    pack = client.post(f"/governance/rights/{case.reference}/pack/")
    assert pack.status_code == 200 and b"cin.xml" in pack.content or b"Children in need" in pack.content
    client.post(f"/governance/rights/{case.reference}/", {"action": "pause", "reason": "identity"})
    assert SubjectAccessCase.objects.get().status == "paused"
    client.post(f"/governance/rights/{case.reference}/", {"action": "resume"})
    client.post(f"/governance/rights/{case.reference}/", {"action": "complete"})
    assert SubjectAccessCase.objects.get().status == "completed"


def test_an_unknown_person_or_bad_date_is_named(signed_in, deployment):
    client = signed_in("dpo")
    page = client.post("/governance/rights/new/", {"person_ref": "P999999999Z"}, follow=True).content.decode()
    assert "No records are held about P999999999Z" in page
    page = client.post("/governance/rights/new/", {"person_ref": "P000000001A", "received_on": "yesterday"},
                       follow=True).content.decode()
    assert "is not a date" in page


def test_the_dpo_decides_a_challenge_raised_in_the_family_portal(signed_in, deployment, starter_agreements):
    from warehouse_fixture import CHILD

    from kinsight.governance import challenge
    from kinsight.governance.models import Challenge, Rectification

    raised = challenge.raise_challenge(person_id=CHILD, kind="fact", raised_by="the person", statement="wrong date",
                                       source="cin_census", record_id="LA0000001", field="referral_date",
                                       proposed_value="2025-06-02", actor="jo")
    client = signed_in("dpo", username="dee")
    assert raised.reference in client.get("/governance/rights/").content.decode()
    empty = client.post(f"/governance/challenges/{raised.reference}/", {"decision": "rectify", "reason": ""}, follow=True)
    assert "A decision needs reasons" in empty.content.decode()
    client.post(f"/governance/challenges/{raised.reference}/", {"decision": "rectify", "reason": "school confirmed"})
    assert Challenge.objects.get().status == "rectified"
    assert Rectification.objects.get().value == "2025-06-02"
