"""The policy decision point: deny by default, minimise fields, respect relationships, audit everything.

Each starter agreement gets a table of requests and the decision the DPO expects.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, policy
from kinsight.governance.models import AuditEntry

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CHILD = "P0000000001"  # the child the practitioners below work with
STRANGER = "P0000000002"  # a child nobody here works with

ATTENDANCE = ("education.sessions_possible", "education.sessions_unauthorised_absence")
CP_FACTORS = ("assessment_factors.factor", "cp_plans.latest_category")
NAMES = ("person_records.forename", "person_records.surname")


@pytest.fixture
def caseloads(starter_agreements):
    for user in ("sw.patel", "ehw.okafor", "yw.smith", "hv.brown"):
        policy.add_relationship(user=user, person_id=CHILD, start=date(2026, 1, 5), actor="allocations")
    policy.add_relationship(user="amara.o", person_id=CHILD, start=date(2026, 1, 5), relationship="self",
                            actor="identity check")


def ask(user, role, organisation, purpose, dataset, fields, person_id=CHILD):
    return policy.decide(policy.AccessRequest(user, role, organisation, purpose, dataset, tuple(fields),
                                              person_id, NOW))


# user, role, organisation, purpose, dataset, fields, person (None = aggregate),
# → allowed, agreement, rule, fields permitted
CASES = {
    "multi-agency-safeguarding": [
        ("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS + NAMES, CHILD,
         True, "multi-agency-safeguarding@v1", "social-worker-own-cases", CP_FACTORS + NAMES),
        ("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS, STRANGER,
         False, None, None, ()),
        ("hv.brown", "partner", "health", "safeguarding", "cin_census",
         ("cp_plans.latest_category", "assessment_factors.factor"), CHILD,
         True, "multi-agency-safeguarding@v1", "partner-practitioner-own-cases", ("cp_plans.latest_category",)),
        ("hv.brown", "partner", "acme-ltd", "safeguarding", "cin_census", CP_FACTORS, CHILD,
         False, None, None, ()),
        ("hos.green", "head_of_service", "la", "service_planning", "cin_census", CP_FACTORS, None,
         True, "multi-agency-safeguarding@v1", "head-of-service-oversight", CP_FACTORS),
        ("hos.green", "head_of_service", "la", "safeguarding", "cin_census", CP_FACTORS, CHILD,
         False, None, None, ()),
        ("sw.patel", "social_worker", "la", "marketing", "cin_census", CP_FACTORS, CHILD,
         False, None, None, ()),
        ("dpo.jones", "dpo", "la", "subject_access", "case_notes", ("case_notes.note_text",), STRANGER,
         True, "multi-agency-safeguarding@v1", "dpo-rights-requests", ("case_notes.note_text",)),
        ("admin.root", "admin", "la", "safeguarding", "cin_census", CP_FACTORS, CHILD,
         False, None, None, ()),
        ("amara.o", "family", "la", "subject_access", "case_notes", ("case_notes.note_text",), CHILD,
         False, None, None, ()),
        ("amara.o", "family", "la", "subject_access", "cin_census", ("cp_plans.latest_category",), CHILD,
         True, "multi-agency-safeguarding@v1", "family-own-records", ("cp_plans.latest_category",)),
        ("amara.o", "family", "la", "subject_access", "cin_census", ("cp_plans.latest_category",), STRANGER,
         False, None, None, ()),
    ],
    "early-help": [
        ("yw.smith", "youth_worker", "la", "direct_support", "school_census", ATTENDANCE + NAMES, CHILD,
         True, "early-help@v1", "youth-worker-attendance", ATTENDANCE + NAMES),
        ("yw.smith", "youth_worker", "youth-charity", "direct_support", "school_census",
         ATTENDANCE + ("education.fsm_eligible", "education.sen_provision"), CHILD,
         True, "early-help@v1", "youth-worker-attendance", ATTENDANCE),
        ("yw.smith", "youth_worker", "la", "direct_support", "cin_census", CP_FACTORS, CHILD,
         False, None, None, ()),
        ("yw.smith", "youth_worker", "la", "direct_support", "school_census", ATTENDANCE, STRANGER,
         False, None, None, ()),
        ("ehw.okafor", "early_help_worker", "la", "early_help", "health_visiting",
         ("asq_reviews.communication", "person_records.nhs_number"), CHILD,
         True, "early-help@v1", "early-help-worker-own-families",
         ("asq_reviews.communication", "person_records.nhs_number")),
        ("analyst.lee", "analyst", "la", "service_planning", "youth_services", ("youth_services.sessions_attended",),
         None, True, "early-help@v1", "early-help-planning", ("youth_services.sessions_attended",)),
    ],
    "performance-reporting": [
        ("analyst.lee", "analyst", "la", "statutory_return", "ssda903", ("cla_episodes.decom", "cla_episodes.ls"),
         STRANGER, True, "performance-reporting@v1", "analyst-pseudonymous-records",
         ("cla_episodes.decom", "cla_episodes.ls")),
        ("analyst.lee", "analyst", "la", "statutory_return", "ssda903", NAMES, STRANGER,
         False, None, None, ()),
        ("analyst.lee", "analyst", "la", "service_planning", "care_leaver_survey",
         ("voice.feel_safe_and_settled", "voice.in_my_own_words"), None,
         True, "performance-reporting@v1", "analyst-pseudonymous-records", ("voice.feel_safe_and_settled",)),
        ("hos.green", "head_of_service", "la", "statutory_return", "ssda903", ("cla_episodes.decom",), STRANGER,
         False, None, None, ()),
    ],
    "research": [
        ("prof.ahmed", "researcher", "university", "research", "ssda903",
         ("cla_episodes.decom", "persons.dob", "persons.postcode"), STRANGER,
         True, "research@v1", "researcher-keyed-extract", ("cla_episodes.decom", "persons.dob")),
        ("prof.ahmed", "researcher", "university", "research", "case_notes", ("case_notes.note_text",), STRANGER,
         False, None, None, ()),
        ("prof.ahmed", "researcher", "university", "safeguarding", "ssda903", ("cla_episodes.decom",), STRANGER,
         False, None, None, ()),
        ("prof.ahmed", "researcher", "la", "research", "ssda903", ("cla_episodes.decom",), STRANGER,
         False, None, None, ()),
    ],
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=f"{name}-{i}") for name, cases in CASES.items() for i, c in enumerate(cases)]
)
def test_starter_agreement_decisions(caseloads, case):
    user, role, org, purpose, dataset, fields, person, allowed, agreement, rule, permitted = case
    decision = ask(user, role, org, purpose, dataset, fields, person)
    assert decision.allowed is allowed, decision.reasons
    assert (decision.agreement, decision.rule) == (agreement, rule)
    assert set(decision.permitted_fields) == set(permitted)
    assert set(decision.withheld_fields) == (set(fields) - set(permitted) if allowed else set())
    assert decision.reasons


def test_every_decision_is_audited_with_agreement_rule_and_outcome(caseloads):
    allowed = ask("yw.smith", "youth_worker", "la", "direct_support", "school_census", ATTENDANCE + CP_FACTORS)
    denied = ask("yw.smith", "youth_worker", "la", "direct_support", "cin_census", CP_FACTORS)
    entries = {e.seq: e for e in AuditEntry.objects.filter(seq__in=[allowed.audit_seq, denied.audit_seq])}
    logged = entries[allowed.audit_seq]
    assert (logged.actor, logged.role, logged.purpose, logged.target, logged.outcome) == (
        "yw.smith", "youth_worker", "direct_support", CHILD, "allow")
    assert logged.agreement == "early-help@v1"
    (decided,) = logged.details["decisions"]
    assert (decided["dataset"], decided["rule"], decided["outcome"]) == (
        "school_census", "youth-worker-attendance", "allow")
    assert set(decided["withheld"]) == set(CP_FACTORS)
    assert entries[denied.audit_seq].outcome == "deny"
    assert audit.verify().intact


def many(user, role, organisation, purpose, datasets, person_id=CHILD):
    return policy.decide_many([policy.AccessRequest(user, role, organisation, purpose, dataset, tuple(fields),
                                                    person_id, NOW) for dataset, fields in datasets])


def test_several_datasets_about_one_child_are_decided_each_on_its_own_and_audited_as_one_read(caseloads):
    before = AuditEntry.objects.count()
    school, cin = many("yw.smith", "youth_worker", "la", "direct_support",
                       [("school_census", ATTENDANCE + CP_FACTORS), ("cin_census", CP_FACTORS)])
    # Each dataset gets exactly the answer it would get alone.
    assert (school.allowed, school.agreement, school.rule) == (True, "early-help@v1", "youth-worker-attendance")
    assert set(school.permitted_fields) == set(ATTENDANCE) and set(school.withheld_fields) == set(CP_FACTORS)
    assert not cin.allowed and cin.reasons
    alone = ask("yw.smith", "youth_worker", "la", "direct_support", "cin_census", CP_FACTORS)
    assert (alone.allowed, alone.reasons) == (cin.allowed, cin.reasons)
    # One entry for the read, naming who, why, under what, and every dataset's outcome.
    assert AuditEntry.objects.count() == before + 2  # the read above, then the single ask
    logged = AuditEntry.objects.get(seq=school.audit_seq)
    assert school.audit_seq == cin.audit_seq
    assert (logged.actor, logged.role, logged.purpose, logged.action, logged.target, logged.outcome) == (
        "yw.smith", "youth_worker", "direct_support", "access.person", CHILD, "allow")
    assert logged.agreement == "early-help@v1"
    assert [(d["dataset"], d["outcome"], d["rule"]) for d in logged.details["decisions"]] == [
        ("school_census", "allow", "youth-worker-attendance"), ("cin_census", "deny", None)]
    assert logged.details["decisions"][1]["reasons"] == list(cin.reasons)
    assert audit.verify().intact


def test_a_read_refused_for_every_dataset_is_one_deny_entry(caseloads):
    decisions = many("sw.patel", "social_worker", "la", "safeguarding",
                     [("cin_census", CP_FACTORS), ("case_notes", ("case_notes.note_text",))], person_id=STRANGER)
    assert not any(d.allowed for d in decisions)
    logged = AuditEntry.objects.get(seq=decisions[0].audit_seq)
    assert (logged.target, logged.outcome, logged.agreement) == (STRANGER, "deny", "")
    assert all("no legitimate relationship" in " ".join(d["reasons"]) for d in logged.details["decisions"])


def test_one_read_cannot_mix_people_users_or_purposes(caseloads):
    with pytest.raises(ValueError):
        policy.decide_many([
            policy.AccessRequest("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS, CHILD, NOW),
            policy.AccessRequest("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS,
                                 STRANGER, NOW),
        ])
    assert policy.decide_many([]) == []


def test_with_no_agreement_in_force_everything_is_denied(db):
    decision = ask("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS)
    assert not decision.allowed
    assert decision.reasons == ("no agreement shares cin_census",)


def test_a_suspended_or_expired_agreement_permits_nothing_and_says_why(caseloads):
    agreements.transition("early-help", "suspended", actor="dpo", now=NOW)
    decision = ask("yw.smith", "youth_worker", "la", "direct_support", "youth_services",
                   ("youth_services.sessions_attended",))
    assert not decision.allowed
    assert "early-help@v1 is suspended" in decision.reasons[-1]


def test_a_relationship_counts_only_between_its_dates(starter_agreements):
    policy.add_relationship(user="sw.patel", person_id=CHILD, start=date(2025, 1, 1), end=date(2026, 6, 30),
                            actor="allocations")
    decision = ask("sw.patel", "social_worker", "la", "safeguarding", "cin_census", CP_FACTORS)
    assert not decision.allowed
    assert "no legitimate relationship" in decision.reasons[0]
    assert "break-glass is available" in decision.reasons[0]


def test_a_practitioners_caseload_is_their_current_relationships(starter_agreements):
    policy.add_relationship(user="sw.patel", person_id=CHILD, start=date(2026, 1, 1), actor="allocations")
    policy.add_relationship(user="sw.patel", person_id=STRANGER, start=date(2025, 1, 1), end=date(2025, 12, 31),
                            actor="allocations")
    assert [r.person_id for r in policy.caseload("sw.patel", NOW.date())] == [CHILD]


def test_break_glass_opens_time_limited_access_for_dpo_review(starter_agreements):
    use = policy.break_glass(user="sw.patel", role="social_worker", organisation="la", person_id=STRANGER,
                             reason="Police report child missing overnight; need placement history now",
                             now=NOW)
    decision = ask("sw.patel", "social_worker", "la", "safeguarding", "ssda903", ("cla_episodes.place",),
                   STRANGER)
    assert decision.allowed and decision.break_glass
    assert [u.pk for u in policy.review_queue()] == [use.pk]
    after = policy.decide(policy.AccessRequest("sw.patel", "social_worker", "la", "safeguarding", "ssda903",
                                                ("cla_episodes.place",), STRANGER, NOW + timedelta(hours=2)))
    assert not after.allowed
    policy.review_break_glass(use.pk, reviewer="dpo.jones", reviewer_role="dpo", justified=True, now=NOW)
    assert policy.review_queue() == []
    log = list(AuditEntry.objects.filter(target=STRANGER).values_list("action", "outcome"))
    assert ("break_glass.open", "granted") in log and ("break_glass.review", "justified") in log
    assert not any("overnight" in str(e.details) for e in AuditEntry.objects.all())


def test_break_glass_is_not_offered_where_the_agreement_does_not_permit_it(starter_agreements):
    policy.break_glass(user="yw.smith", role="youth_worker", organisation="la", person_id=STRANGER,
                       reason="Young person disclosed harm at the youth club tonight", now=NOW)
    decision = ask("yw.smith", "youth_worker", "la", "direct_support", "youth_services",
                   ("youth_services.provision",), STRANGER)
    assert not decision.allowed


@pytest.mark.parametrize(
    "role, reason, duration, message",
    [
        ("social_worker", "urgent", timedelta(hours=1), "reason of at least"),
        ("social_worker", "", timedelta(hours=1), "reason of at least"),
        ("analyst", "Need to see this child's record urgently", timedelta(hours=1), "only practitioners"),
        ("social_worker", "Need to see this child's record urgently", timedelta(hours=9), "at most 4 hours"),
    ],
)
def test_break_glass_needs_a_practitioner_a_reason_and_a_time_limit(starter_agreements, role, reason,
                                                                   duration, message):
    with pytest.raises(KinsightError, match=message):
        policy.break_glass(user="someone", role=role, organisation="la", person_id=CHILD, reason=reason,
                           duration=duration, now=NOW)
    assert AuditEntry.objects.filter(action="break_glass.open", outcome="refused").count() == 1


def test_only_the_dpo_reviews_break_glass_and_never_their_own(starter_agreements):
    use = policy.break_glass(user="dpo.jones", role="social_worker", organisation="la", person_id=CHILD,
                             reason="Covering the duty desk: child at risk tonight", now=NOW)
    with pytest.raises(KinsightError, match="only the data protection officer"):
        policy.review_break_glass(use.pk, reviewer="hos.green", reviewer_role="head_of_service", justified=True)
    with pytest.raises(KinsightError, match="their own"):
        policy.review_break_glass(use.pk, reviewer="dpo.jones", reviewer_role="dpo", justified=True)


@pytest.mark.parametrize("role, purpose", [("wizard", "safeguarding"), ("social_worker", "curiosity")])
def test_unknown_roles_and_purposes_are_denied(caseloads, role, purpose):
    decision = ask("sw.patel", role, "la", purpose, "cin_census", CP_FACTORS)
    assert not decision.allowed and "unknown" in decision.reasons[0]


def test_the_fields_an_agreement_shares_can_be_listed_to_build_a_request(starter_agreements):
    fields = policy.fields_shared("early-help", "youth_services")
    assert "youth_services.sessions_attended" in fields
    assert not any(f.startswith("cp_plans.") for f in fields)
