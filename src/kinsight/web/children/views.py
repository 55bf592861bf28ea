"""Child view pages. A child is opened by POST and then shown under an opaque session token,
so no person id, name or number is ever in a URL, a browser history or a server log."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kinsight.core.errors import KinsightError
from kinsight.governance import audit, catalogue, policy
from kinsight.governance.models import Relationship
from kinsight.web import deployment
from kinsight.web.access import actor, refuse, section_required
from kinsight.web.children import records

#: The purposes a practitioner can give for opening a child's record.
PURPOSES = ("safeguarding", "direct_support", "early_help")
IDENTIFIER_KINDS = {"nhs_number": "NHS number", "upn": "Unique pupil number (UPN)", "la_child_id": "Local authority child id"}
_SESSION_KEY = "child_views"


def _purposes() -> list[tuple[str, str]]:
    return [(p, catalogue.purposes()[p].title) for p in PURPOSES]


@section_required("children", on_refusal=refuse)
def find(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    today = timezone.localdate()
    mine = Relationship.objects.filter(user=who.user, start__lte=today).exclude(end__lt=today).order_by("person_id")
    return render(request, "children/find.html", {
        "relationships": mine, "purposes": _purposes(), "kinds": IDENTIFIER_KINDS,
    })


@section_required("children", on_refusal=refuse)
@require_POST
def search(request: HttpRequest) -> HttpResponse:
    """Find a child by an identifier (sent by POST, never in a URL); the search is audited."""
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "").replace(" ", "").strip()
    errors = []
    if kind not in IDENTIFIER_KINDS:
        errors.append(("kind", "Select the kind of identifier"))
    if not value:
        errors.append(("value", "Enter the identifier"))
    person_ids: list[str] = []
    if not errors:
        try:
            con = deployment.snapshot()
        except KinsightError as error:
            errors.append(("value", str(error)))
        else:
            person_ids = [row[0] for row in con.execute(
                "SELECT DISTINCT person_id FROM identifiers WHERE kind = ? AND value = ? AND person_id IS NOT NULL",
                [kind, value]).fetchall()]
            who = actor(request)
            audit.record(actor=who.user, role=who.role, action="child.search", target=",".join(person_ids)[:200],
                         outcome="found" if person_ids else "not_found", details={"kind": kind})
            if not person_ids:
                errors.append(("value", f"No child has that {IDENTIFIER_KINDS[kind]}"))
    who = actor(request)
    today = timezone.localdate()
    return render(request, "children/find.html", {
        "relationships": Relationship.objects.filter(user=who.user, start__lte=today).exclude(end__lt=today),
        "purposes": _purposes(), "kinds": IDENTIFIER_KINDS, "errors": errors, "found": person_ids,
    }, status=400 if errors else 200)


@section_required("children", on_refusal=refuse)
@require_POST
def open_child(request: HttpRequest) -> HttpResponse:
    person_id, purpose = request.POST.get("person_id", "").strip(), request.POST.get("purpose", "")
    if purpose not in PURPOSES:
        messages.error(request, "Select why you need to see this child's records")
        return redirect("children:find")
    try:
        known = records.exists(deployment.snapshot(), person_id)
    except KinsightError as error:
        messages.error(request, str(error))
        return redirect("children:find")
    if not known:
        # The same refusal as for a child one may not see, so guessing ids reveals nothing.
        refuse(request, person_id, "no such child")
        return render(request, "pages/403.html", status=403)
    token = secrets.token_urlsafe(16)
    request.session.setdefault(_SESSION_KEY, {})[token] = {"person_id": person_id, "purpose": purpose}
    request.session.modified = True
    return redirect("children:view", token=token)


def _opened(request: HttpRequest, token: str) -> dict | None:
    return request.session.get(_SESSION_KEY, {}).get(token)


def _unknown_token(request: HttpRequest) -> HttpResponse:
    """A token this session never opened (guessed, or from someone else): refused and audited."""
    refuse(request, reason="unknown child view token")
    return render(request, "pages/403.html", status=403)


@section_required("children", on_refusal=refuse)
def view(request: HttpRequest, token: str) -> HttpResponse:
    opened = _opened(request, token)
    if opened is None:
        return _unknown_token(request)
    who = actor(request)
    sources = records.child_view(deployment.snapshot(), who, opened["person_id"], opened["purpose"])
    allowed = [s for s in sources if s.allowed]
    return render(request, "children/view.html", {
        "token": token, "person_id": opened["person_id"],
        "purpose": catalogue.purposes()[opened["purpose"]].title,
        "allowed": allowed, "refused": [s for s in sources if not s.allowed],
        "break_glass_available": any(s.break_glass_available for s in sources),
        "min_reason": policy.MIN_REASON_LENGTH,
    }, status=200 if allowed else 403)


@section_required("children", on_refusal=refuse)
@require_POST
def break_glass(request: HttpRequest, token: str) -> HttpResponse:
    opened = _opened(request, token)
    if opened is None:
        return _unknown_token(request)
    who = actor(request)
    try:
        policy.break_glass(user=who.user, role=who.role, organisation=who.organisation,
                           person_id=opened["person_id"], reason=request.POST.get("reason", ""))
        messages.success(request, "Emergency access opened for one hour. The data protection officer will review it.")
    except KinsightError as error:
        messages.error(request, str(error))
    return redirect("children:view", token=token)
