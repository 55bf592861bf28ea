"""Challenge: a disputed link becomes a cannot-link constraint; a disputed fact a rectification."""

from __future__ import annotations

import pytest

from kinsight.core.errors import KinsightError
from kinsight.governance import challenge
from kinsight.governance.models import AuditEntry, Rectification

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CHILD = "P0000000001"


def raise_link(**overrides):
    details = dict(person_id=CHILD, kind="link", raised_by="a parent on the child's behalf",
                   statement="That health visiting record is my other daughter's, not hers",
                   source="school_census", record_id="SCH-1", other_source="health_visiting",
                   other_record_id="HV-77", actor="dpo.jones", now=NOW)
    return challenge.raise_challenge(**{**details, **overrides})


@pytest.fixture
def child_index(tmp_path, fake_child_index):
    return fake_child_index(tmp_path)


def test_an_upheld_link_challenge_unlinks_in_the_child_index_for_every_later_run(tmp_path, child_index):
    raised = raise_link()
    assert challenge.open_challenges() == [raised]
    decided = challenge.resolve(raised.reference, decision="unlink", resolver="dpo.jones", resolver_role="dpo",
                                reason="Dates of birth differ; the records are of two sisters",
                                warehouse=tmp_path, now=NOW)
    assert decided.status == "unlinked"
    assert challenge.cannot_link_pairs() == [("school_census", "SCH-1", "health_visiting", "HV-77")]
    assert child_index.decisions == [(("school_census", "SCH-1", "health_visiting", "HV-77"), False, "dpo.jones",
                                      f"challenge {raised.reference} upheld by the data protection officer")]
    assert challenge.open_challenges() == []
    logged = list(AuditEntry.objects.filter(target=CHILD).values_list("action", "outcome"))
    assert logged == [("challenge.raised", "open"), ("challenge.resolved", "unlinked")]
    assert not any("sisters" in str(e.details) or "daughter" in str(e.details) for e in AuditEntry.objects.all())


def test_an_upheld_fact_challenge_records_a_rectification():
    raised = challenge.raise_challenge(person_id=CHILD, kind="fact", raised_by="the young person",
                                       statement="My date of birth is wrong", source="social_care_persons",
                                       record_id="SC1001", field="DOB", proposed_value="15/03/2015",
                                       actor="dpo.jones", now=NOW)
    challenge.resolve(raised.reference, decision="rectify", resolver="dpo.jones", resolver_role="dpo",
                      reason="Birth certificate seen", now=NOW)
    fix = Rectification.objects.get()
    assert (fix.source, fix.record_id, fix.field, fix.value) == ("social_care_persons", "SC1001", "DOB", "15/03/2015")


def test_a_rejected_challenge_keeps_the_link_and_gives_reasons(tmp_path):
    raised = raise_link()
    decided = challenge.resolve(raised.reference, decision="reject", resolver="dpo.jones", resolver_role="dpo",
                                reason="NHS number and date of birth match", now=NOW)
    assert (decided.status, decided.resolution) == ("rejected", "NHS number and date of birth match")
    assert challenge.cannot_link_pairs() == []


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"kind": "feeling"}, "a 'link' or a 'fact'"),
        ({"statement": "  "}, "needs a statement"),
        ({"other_record_id": ""}, "names both records"),
        ({"kind": "fact", "field": ""}, "names the field"),
    ],
)
def test_an_incomplete_challenge_is_refused(overrides, message):
    with pytest.raises(KinsightError, match=message):
        raise_link(**overrides)


@pytest.mark.parametrize(
    "decision, role, message",
    [
        ("unlink", "social_worker", "only the data protection officer"),
        ("merge", "dpo", "one of unlink, rectify, reject"),
        ("rectify", "dpo", "disputes a link"),
    ],
)
def test_only_the_dpo_decides_and_only_fitting_decisions(tmp_path, decision, role, message):
    raised = raise_link()
    with pytest.raises(KinsightError, match=message):
        challenge.resolve(raised.reference, decision=decision, resolver="x", resolver_role=role, reason="because",
                          warehouse=tmp_path)


def test_a_challenge_is_decided_once(tmp_path):
    raised = raise_link()
    challenge.resolve(raised.reference, decision="reject", resolver="dpo", resolver_role="dpo", reason="checked")
    with pytest.raises(KinsightError, match="already decided"):
        challenge.resolve(raised.reference, decision="unlink", resolver="dpo", resolver_role="dpo",
                          reason="changed my mind", warehouse=tmp_path)


def test_constraints_decided_before_the_index_existed_are_applied_once_it_does(tmp_path, fake_child_index):
    raised = raise_link()
    challenge.resolve(raised.reference, decision="unlink", resolver="dpo.jones", resolver_role="dpo",
                      reason="Two different children", warehouse=tmp_path / "no-index-yet", now=NOW)
    assert challenge.cannot_link_pairs()  # kept in the control plane meanwhile
    index = fake_child_index(tmp_path)
    assert challenge.apply_cannot_links(tmp_path / "index") == 1
    assert index.decisions[0][:2] == (("school_census", "SCH-1", "health_visiting", "HV-77"), False)
