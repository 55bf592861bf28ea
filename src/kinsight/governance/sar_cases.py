"""Subject access cases, tracked against the deadline the law sets.

A request must be answered within one calendar month of receipt (UK GDPR Art 12(3)),
extendable by two further months for complex or numerous requests. The clock stops
lawfully while the controller waits for the requester's identity to be verified, for
clarification, or for a fee (DUAA 2025, Art 12A), and restarts when that arrives.
Every step is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.governance import audit
from kinsight.governance.models import SubjectAccessCase, SubjectAccessPause

EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where that day does not exist."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class CaseStatus:
    """Where a case stands: its deadline today, days paused, and whether it is late."""

    reference: str
    status: str
    received_on: date
    due_on: date
    paused_days: int
    extended: bool
    overdue: bool
    days_left: int


def open_case(*, person_id: str, requester: str, received_on: date, actor: str) -> SubjectAccessCase:
    """Record a new request; the one-month clock starts on the day it was received."""
    case = SubjectAccessCase.objects.create(
        reference=f"SAR-{received_on:%Y%m%d}-{secrets.token_hex(3).upper()}", person_id=person_id,
        requester=requester, received_on=received_on,
    )
    _audit(case, actor, "sar.case_opened", {"received_on": received_on, "requester": requester})
    return case


def pause(reference: str, *, reason: str, on: date, actor: str) -> SubjectAccessCase:
    """Stop the clock while waiting for identity, clarification or a fee."""
    if reason not in SubjectAccessPause.REASONS:
        raise KinsightError(f"a pause must be for one of {', '.join(SubjectAccessPause.REASONS)}")
    with transaction.atomic():
        case = _case(reference, open_only=True)
        if case.pauses.filter(ended_on__isnull=True).exists():
            raise KinsightError(f"{reference} is already paused")
        SubjectAccessPause.objects.create(case=case, reason=reason, started_on=on)
        case.status = "paused"
        case.save(update_fields=["status"])
        _audit(case, actor, "sar.paused", {"reason": reason, "on": on})
    return case


def resume(reference: str, *, on: date, actor: str) -> SubjectAccessCase:
    """Restart the clock when what was waited for arrives."""
    with transaction.atomic():
        case = _case(reference, open_only=True)
        waiting = case.pauses.filter(ended_on__isnull=True).first()
        if waiting is None:
            raise KinsightError(f"{reference} is not paused")
        if on < waiting.started_on:
            raise KinsightError("a pause cannot end before it started")
        waiting.ended_on = on
        waiting.save(update_fields=["ended_on"])
        case.status = "open"
        case.save(update_fields=["status"])
        _audit(case, actor, "sar.resumed", {"on": on})
    return case


def extend(reference: str, *, reason: str, actor: str) -> SubjectAccessCase:
    """Extend by two months for a complex or numerous request (the requester must be told why)."""
    if not reason.strip():
        raise KinsightError("an extension needs a reason the requester will be given")
    case = _case(reference, open_only=True)
    if case.extended:
        raise KinsightError(f"{reference} has already been extended")
    case.extended, case.extension_reason = True, reason.strip()
    case.save(update_fields=["extended", "extension_reason"])
    _audit(case, actor, "sar.extended", {"months": EXTENSION_MONTHS})
    return case


def complete(reference: str, *, on: date, actor: str) -> SubjectAccessCase:
    """Record that the pack was sent."""
    case = _case(reference, open_only=True)
    if case.pauses.filter(ended_on__isnull=True).exists():
        resume(reference, on=on, actor=actor)
        case.refresh_from_db()
    case.status, case.completed_on = "completed", on
    case.save(update_fields=["status", "completed_on"])
    _audit(case, actor, "sar.completed", {"on": on, "on_time": on <= status_of(case, on).due_on})
    return case


def status(reference: str, today: date | None = None) -> CaseStatus:
    """Where one case stands today."""
    return status_of(_case(reference), today)


def status_of(case: SubjectAccessCase, today: date | None = None) -> CaseStatus:
    """The case's deadline, counting lawful pauses (an open pause counts up to today)."""
    today = today or timezone.localdate()
    paused = sum(((p.ended_on or today) - p.started_on).days for p in case.pauses.all())
    months = 1 + (EXTENSION_MONTHS if case.extended else 0)
    due = add_months(case.received_on, months) + timedelta(days=paused)
    finished = case.completed_on or today
    return CaseStatus(case.reference, case.status, case.received_on, due, paused, case.extended,
                      overdue=finished > due, days_left=(due - today).days)


def cases(today: date | None = None) -> list[CaseStatus]:
    """Every case with its status, soonest deadline first (the DPO's list)."""
    found = [status_of(c, today) for c in SubjectAccessCase.objects.prefetch_related("pauses")]
    return sorted(found, key=lambda s: (s.status == "completed", s.due_on))


def _case(reference: str, *, open_only: bool = False) -> SubjectAccessCase:
    case = SubjectAccessCase.objects.filter(reference=reference).first()
    if case is None:
        raise KinsightError(f"no subject access case {reference}")
    if open_only and case.status in ("completed", "withdrawn"):
        raise KinsightError(f"{reference} is {case.status}")
    return case


def _audit(case: SubjectAccessCase, actor: str, action: str, details: dict) -> None:
    audit.record(actor=actor, role="dpo", purpose="subject_access", action=action, target=case.person_id,
                 outcome=case.status, details={"case": case.reference, **details})
