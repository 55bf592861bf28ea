"""The policy decision point: may this person, in this role, for this purpose, see these fields?

Deny by default. A request is allowed only when an agreement in force shares the
dataset and one of its rules matches the role, purpose and organisation; person-
level reads also need the rule to allow them and, where the rule asks for it, a
legitimate relationship with the child (or break-glass, where the rule permits it).
Only the fields both the agreement and the rule name are released; the rest are
withheld and listed. Every decision, allow or deny, is written to the audit log
with the agreement, the rule and the reasons (the golden rule: record every
decision, whether or not you share): one entry per call, so a read of several
datasets about one child (:func:`decide_many`) is one entry listing each decision.

This module is the only place access is decided; views, commands and extracts ask it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, catalogue
from kinsight.governance.models import Agreement, BreakGlass, Relationship

#: The longest break-glass access may last before it must be asked for again.
BREAK_GLASS_LIMIT = timedelta(hours=4)
#: A break-glass reason must say something; "x" is not a reason.
MIN_REASON_LENGTH = 15


@dataclass(frozen=True)
class AccessRequest:
    """Who wants to see what, why, about whom (``person_id=None`` for an aggregate)."""

    user: str
    role: str
    organisation: str
    purpose: str
    dataset: str
    fields: tuple[str, ...]
    person_id: str | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The answer, with everything needed to explain and audit it."""

    allowed: bool
    agreement: str | None
    rule: str | None
    reasons: tuple[str, ...]
    permitted_fields: tuple[str, ...] = ()
    withheld_fields: tuple[str, ...] = ()
    #: How the released rows must be shown: identified, pseudonymous or keyed_alias.
    view: str | None = None
    #: How finely dates may be shown outside identified views: day, month or year.
    date_precision: str = "month"
    break_glass: bool = False
    audit_seq: int | None = field(default=None, compare=False)


def decide(request: AccessRequest) -> Decision:
    """Decide a request and record the decision in the audit log."""
    return decide_many([request])[0]


def decide_many(requests: Sequence[AccessRequest]) -> list[Decision]:
    """Decide several datasets asked for at once by one user about one person; audit once.

    A child view asks about every source holding the child's records in one go. Each
    dataset is still decided on its own (its own agreement, rule, reasons, permitted and
    withheld fields), but the agreements in force, the relationship and any break-glass
    are looked up once, and ONE audit entry records every per-dataset decision under
    ``details["decisions"]``: the view was one read, and the log says so. The entry's
    outcome is ``allow`` when any dataset was released, else ``deny``.
    """
    if not requests:
        return []
    first = requests[0]
    if any((r.user, r.role, r.organisation, r.purpose, r.person_id, r.now)
           != (first.user, first.role, first.organisation, first.purpose, first.person_id, first.now)
           for r in requests):
        raise ValueError("decide_many decides one user's datasets about one person for one purpose")
    context = _Context(first)
    decided = [_decide(request, context) for request in requests]
    allowed = any(d.allowed for d in decided)
    entry = audit.record(
        actor=first.user, role=first.role, purpose=first.purpose,
        agreement=",".join(sorted({d.agreement for d in decided if d.agreement}))[:80],
        action="access.person" if first.person_id else "access.aggregate",
        target=first.person_id or ",".join(f"dataset:{r.dataset}" for r in requests)[:200],
        outcome="allow" if allowed else "deny", at=first.now,
        details={"organisation": first.organisation, "decisions": [
            {"dataset": r.dataset, "outcome": "allow" if d.allowed else "deny", "agreement": d.agreement,
             "rule": d.rule, "permitted": list(d.permitted_fields), "withheld": list(d.withheld_fields),
             "break_glass": d.break_glass, "reasons": list(d.reasons)}
            for r, d in zip(requests, decided)
        ]},
    )
    return [replace(d, audit_seq=entry.seq) for d in decided]


class _Context:
    """What every dataset of one multi-dataset request shares, looked up at most once."""

    def __init__(self, request: AccessRequest) -> None:
        self.now = request.now or timezone.now()
        self._request = request
        self._in_force: list[Agreement] | None = None
        self._relationship: bool | None = None
        self._break_glass: bool | None = None

    def in_force(self) -> list[Agreement]:
        if self._in_force is None:
            self._in_force = agreements.in_force(self.now.date())
        return self._in_force

    def relationship(self) -> bool:
        if self._relationship is None:
            self._relationship = has_relationship(self._request.user, self._request.person_id, self.now.date())
        return self._relationship

    def break_glass(self) -> bool:
        if self._break_glass is None:
            self._break_glass = _open_break_glass(self._request, self.now) is not None
        return self._break_glass


def _decide(request: AccessRequest, context: _Context) -> Decision:
    now = context.now
    if request.role not in catalogue.roles():
        return _deny(f"unknown role {request.role!r}")
    if request.purpose not in catalogue.purposes():
        return _deny(f"unknown purpose {request.purpose!r}")
    if not request.fields:
        return _deny("no fields were asked for")
    covering = [a for a in context.in_force() if request.dataset in _datasets(a)]
    if not covering:
        return _deny(_no_agreement_reason(request.dataset, now.date(), context.in_force()))
    reasons: list[str] = []
    candidates: list[Decision] = []
    for agreement in covering:
        for rule in agreement.document["rules"]:
            outcome = _match(request, agreement, rule, context)
            if isinstance(outcome, Decision):
                candidates.append(outcome)
            elif outcome:
                reasons.append(f"{agreements.label(agreement)} rule {rule['id']}: {outcome}")
    if not candidates:
        reasons = reasons or [f"no rule of an agreement in force lets a {request.role} "
                              f"use {request.dataset} for {request.purpose}"]
        dormant = _not_in_force(request.dataset, now.date(), context.in_force())
        return _deny(*reasons, *([f"not in force: {dormant}"] if dormant else []))
    # Where several rules allow, the one releasing most fields decides; ties go to the first.
    return max(candidates, key=lambda d: len(d.permitted_fields))


def _match(request: AccessRequest, agreement: Agreement, rule: dict, context: _Context) -> Decision | str | None:
    """A Decision when the rule allows; a reason when it nearly applied; None when irrelevant."""
    doc = agreement.document
    if request.role not in rule["roles"] or request.purpose not in rule["purposes"]:
        return None
    if rule.get("datasets") and request.dataset not in rule["datasets"]:
        return None
    organisations = rule.get("organisations") or [p["id"] for p in doc["parties"]]
    if request.organisation not in organisations:
        return f"{request.organisation!r} is not an organisation this rule covers"
    relationship_required = rule.get("relationship", "required") == "required"
    break_glass = False
    if request.person_id is None:
        if rule["access"] == "person" and relationship_required:
            return "allows reads about the children the worker works with, not aggregates"
    else:
        if rule["access"] == "aggregate":
            return "allows aggregates only, not records about one child"
        if relationship_required and not context.relationship():
            if not (rule.get("break_glass") and context.break_glass()):
                hint = " (break-glass is available)" if rule.get("break_glass") else ""
                return f"no legitimate relationship with {request.person_id}{hint}"
            break_glass = True
    shared = catalogue.expand(_dataset_fields(doc, request.dataset))
    allowed_fields = shared & catalogue.expand(rule["fields"])
    permitted = tuple(f for f in request.fields if f in allowed_fields)
    withheld = tuple(f for f in request.fields if f not in allowed_fields)
    if not permitted:
        return f"none of the requested fields of {request.dataset} are released to a {request.role}"
    reasons = [f"{agreements.label(agreement)} rule {rule['id']} allows a {request.role} "
               f"to use {request.dataset} for {request.purpose}"]
    if break_glass:
        reasons.append("break-glass access: no relationship; the data protection officer will review it")
    if withheld:
        reasons.append(f"{len(withheld)} field(s) withheld: not needed for this role under the agreement")
    return Decision(
        allowed=True, agreement=agreements.label(agreement), rule=rule["id"], reasons=tuple(reasons),
        permitted_fields=permitted, withheld_fields=withheld,
        view=rule.get("view") or doc["pseudonymisation"]["level"],
        date_precision=doc["pseudonymisation"].get("date_precision", "month"), break_glass=break_glass,
    )


def _deny(*reasons: str) -> Decision:
    return Decision(allowed=False, agreement=None, rule=None, reasons=tuple(reasons))


def _datasets(agreement: Agreement) -> set[str]:
    return {d["source"] for d in agreement.document["datasets"]}


def _dataset_fields(document: dict, dataset: str) -> list[str]:
    return [f for d in document["datasets"] if d["source"] == dataset for f in d["fields"]]


def _no_agreement_reason(dataset: str, today: date, in_force: list[Agreement]) -> str:
    dormant = _not_in_force(dataset, today, in_force)
    return f"no agreement in force shares {dataset}: {dormant}" if dormant else f"no agreement shares {dataset}"


def _not_in_force(dataset: str, today: date, in_force: list[Agreement]) -> str:
    """The agreements sharing a dataset that are not in force today, and why (for reasons)."""
    return ", ".join(
        f"{agreements.label(a)} is {a.status}" + (f" (expired {a.expiry})" if a.expiry < today else "")
        + (f" (starts {a.start})" if a.start > today else "")
        for a in Agreement.objects.exclude(pk__in=[a.pk for a in in_force])
        if dataset in _datasets(a)
    )


def fields_shared(agreement_id: str, dataset: str) -> tuple[str, ...]:
    """Every field an agreement's newest version shares from a dataset (to build requests)."""
    document = agreements.get(agreement_id).document
    return tuple(sorted(catalogue.expand(_dataset_fields(document, dataset))))


# ----------------------------------------------------------------------------- relationships


def has_relationship(user: str, person_id: str, today: date) -> bool:
    """Does the user work with this child today?"""
    return Relationship.objects.filter(
        Q(end__isnull=True) | Q(end__gte=today), user=user, person_id=person_id, start__lte=today
    ).exists()


def caseload(user: str, today: date) -> list[Relationship]:
    """The children a practitioner works with today (their legitimate relationships)."""
    return list(Relationship.objects.filter(Q(end__isnull=True) | Q(end__gte=today), user=user, start__lte=today)
                .order_by("person_id"))


def add_relationship(*, user: str, person_id: str, start: date, end: date | None = None,
                     relationship: str = "allocated worker", actor: str) -> Relationship:
    """Record that a practitioner works with a child (from the case management allocation)."""
    if end is not None and end < start:
        raise KinsightError("a relationship cannot end before it starts")
    created = Relationship.objects.create(user=user, person_id=person_id, start=start, end=end,
                                          relationship=relationship)
    audit.record(actor=actor, action="relationship.add", target=person_id, outcome="recorded",
                 details={"user": user, "relationship": relationship, "start": start, "end": end})
    return created


# ----------------------------------------------------------------------------- break-glass


def _open_break_glass(request: AccessRequest, now: datetime) -> BreakGlass | None:
    return BreakGlass.objects.filter(
        user=request.user, role=request.role, person_id=request.person_id,
        granted_at__lte=now, expires_at__gt=now,
    ).first()


def break_glass(*, user: str, role: str, organisation: str, person_id: str, reason: str,
                duration: timedelta = timedelta(hours=1), now: datetime | None = None) -> BreakGlass:
    """Open emergency access to one child for a limited time; the DPO must review it.

    Only practitioners may break the glass, only with a real reason, and never for
    longer than :data:`BREAK_GLASS_LIMIT`. Each later read still goes through
    :func:`decide`, which allows it only where the agreement's rule permits break-glass.
    """
    now = now or timezone.now()
    role_of = catalogue.roles().get(role)
    if role_of is None or role_of.kind != "practitioner":
        _refuse_break_glass(user, role, person_id, now, "only practitioners may use break-glass")
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        _refuse_break_glass(user, role, person_id, now,
                            f"break-glass needs a reason of at least {MIN_REASON_LENGTH} characters")
    if duration <= timedelta(0) or duration > BREAK_GLASS_LIMIT:
        _refuse_break_glass(user, role, person_id, now,
                            f"break-glass lasts at most {BREAK_GLASS_LIMIT.total_seconds() / 3600:g} hours")
    granted = BreakGlass.objects.create(user=user, role=role, organisation=organisation,
                                        person_id=person_id, reason=reason.strip(), granted_at=now,
                                        expires_at=now + duration)
    audit.record(actor=user, role=role, purpose="safeguarding", action="break_glass.open", target=person_id,
                 outcome="granted", at=now,
                 # The reason stays in the break-glass record for the DPO, out of the log.
                 details={"break_glass": granted.pk, "expires_at": granted.expires_at})
    return granted


def _refuse_break_glass(user: str, role: str, person_id: str, now: datetime, reason: str) -> None:
    audit.record(actor=user, role=role, purpose="safeguarding", action="break_glass.open", target=person_id,
                 outcome="refused", at=now, details={"reason": reason})
    raise KinsightError(reason)


def review_queue() -> list[BreakGlass]:
    """Break-glass uses the data protection officer has not yet reviewed, oldest first."""
    return list(BreakGlass.objects.filter(review_outcome="pending").order_by("granted_at"))


def review_break_glass(break_glass_id: int, *, reviewer: str, reviewer_role: str, justified: bool,
                       note: str = "", now: datetime | None = None) -> BreakGlass:
    """The DPO's verdict on one break-glass use; audited. Nobody reviews their own."""
    now = now or timezone.now()
    if reviewer_role != "dpo":
        raise KinsightError("only the data protection officer reviews break-glass access")
    use = BreakGlass.objects.filter(pk=break_glass_id).first()
    if use is None:
        raise KinsightError(f"no break-glass use {break_glass_id}")
    if use.user == reviewer:
        raise KinsightError("nobody may review their own break-glass access")
    if use.review_outcome != "pending":
        raise KinsightError(f"break-glass use {break_glass_id} was already reviewed ({use.review_outcome})")
    use.review_outcome = "justified" if justified else "not_justified"
    use.reviewed_by, use.reviewed_at, use.review_note = reviewer, now, note
    use.save()
    audit.record(actor=reviewer, role=reviewer_role, purpose="safeguarding", action="break_glass.review",
                 target=use.person_id, outcome=use.review_outcome, at=now,
                 details={"break_glass": use.pk, "user": use.user, "note": note})
    return use
