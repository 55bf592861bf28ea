"""Challenge: a disputed link becomes a cannot-link constraint; a disputed fact a rectification."""

from __future__ import annotations

import csv

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


def test_an_upheld_link_challenge_unlinks_for_every_later_linkage_run(tmp_path):
    raised = raise_link()
    assert challenge.open_challenges() == [raised]
    decided = challenge.resolve(raised.reference, decision="unlink", resolver="dpo.jones", resolver_role="dpo",
                                reason="Dates of birth differ; the records are of two sisters",
                                warehouse=tmp_path, now=NOW)
    assert decided.status == "unlinked"
    assert challenge.cannot_link_pairs() == [("school_census", "SCH-1", "health_visiting", "HV-77")]
    with open(tmp_path / challenge.CANNOT_LINK_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"source_l": "school_census", "record_id_l": "SCH-1", "source_r": "health_visiting",
                     "record_id_r": "HV-77", "challenge": raised.reference, "decided_at": rows[0]["decided_at"]}]
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
