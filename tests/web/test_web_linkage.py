"""Linkage pages: the quality and bias report and the clerical review queue."""

from __future__ import annotations

import pytest

from kinsight.governance.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a child index with Splink (~10 s)


def test_the_report_shows_outcomes_bias_and_limitations(signed_in, deployment_with_index):
    page = signed_in("analyst").get("/linkage/").content.decode()
    assert "records were linked into" in page
    assert "Bias: match rates by group" in page and "By sex" in page
    assert "Known limitations" in page


def test_the_full_report_downloads_as_html_and_json(signed_in, deployment_with_index):
    client = signed_in("analyst")
    assert client.get("/linkage/report.json").json()["outcomes"]["records"] == 120
    assert b"Linkage quality and bias report" in client.get("/linkage/report.html").content
    assert client.get("/linkage/report.exe").status_code == 404


def test_the_review_queue_shows_two_records_side_by_side_with_the_evidence(signed_in, deployment_with_index):
    page = signed_in("analyst").get("/linkage/review/").content.decode()
    assert "waiting" in page and "The two records side by side" in page
    assert "Agrees" in page and "Differs" in page
    assert "Same child" in page and "Different children" in page


def test_a_reviewer_decides_a_pair_and_it_leaves_the_queue_and_is_audited(signed_in, deployment_with_index):
    from kinsight.web.linkage import service

    client = signed_in("analyst", username="asha")
    comparisons, waiting = service.review_queue()
    item = comparisons[0].item
    pair = dict(zip(("source_l", "record_id_l", "source_r", "record_id_r"), item.pair))
    response = client.post("/linkage/review/decide/", {**pair, "decision": "same", "reason": "same school and surname"}, follow=True)
    assert "Decision recorded" in response.content.decode()
    assert service.review_queue()[1] == waiting - 1
    entry = AuditEntry.objects.get(action="linkage.review")
    assert entry.actor == "asha" and entry.outcome == "same"


def test_a_decision_needs_a_reason_and_a_choice(signed_in, deployment_with_index):
    client = signed_in("analyst")
    pair = {"source_l": "a", "record_id_l": "1", "source_r": "b", "record_id_r": "2"}
    assert "Give a reason" in client.post("/linkage/review/decide/", {**pair, "decision": "same"}, follow=True).content.decode()
    assert "Choose whether" in client.post("/linkage/review/decide/", {**pair, "reason": "x"}, follow=True).content.decode()
    unknown = client.post("/linkage/review/decide/", {**pair, "decision": "same", "reason": "x"}, follow=True)
    assert "no record a/1 in the child index" in unknown.content.decode()


def test_without_an_index_the_page_says_what_to_do(signed_in, deployment):
    page = signed_in("analyst").get("/linkage/").content.decode()
    assert "there is no child index yet" in page.lower()


@pytest.mark.parametrize("role", ["social_worker", "dpo", "family", "head_of_service"])
def test_only_analysts_review_links(signed_in, deployment_with_index, role):
    client = signed_in(role)
    assert client.get("/linkage/review/").status_code == 403
    assert client.post("/linkage/review/decide/", {"decision": "same", "reason": "x"}).status_code == 403
