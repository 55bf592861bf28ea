"""Who may use which section: the role check every view starts with.

The role check is the coarse gate (an analyst never opens the child view). Person-level pages
then ask the governance policy decision point about the particular child, purpose and agreement
— see ``kinsight.web.children``. A refusal on a person-level page or API endpoint is audited
too, so guessing ids leaves a trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kinsight.web.navigation import user_role
from kinsight.web.roles import roles


@dataclass(frozen=True)
class Actor:
    """The signed-in user as governance names them: username, role, organisation."""

    user: str
    role: str
    organisation: str


def actor(request: HttpRequest) -> Actor:
    account = getattr(request.user, "account", None)
    return Actor(
        user=request.user.get_username(),
        role=user_role(request) or "",
        organisation=account.organisation if account else "",
    )


def refuse(request: HttpRequest, person_id: str = "", reason: str = "") -> None:
    """Audit a refused person-level request (wrong role, unknown child, unknown token)."""
    from kinsight.governance import audit

    who = actor(request)
    asked = _asked(request)
    audit.record(
        actor=who.user, role=who.role, purpose=str(asked.get("purpose", ""))[:32], action="access.person",
        target=person_id or str(asked.get("person_id", ""))[:40], outcome="deny",
        details={"reason": reason or "this role may not use this page", "page": request.path},
    )


def _asked(request: HttpRequest) -> dict:
    """The person and purpose a request names, from a form or a JSON body."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return request.POST


def has_section(request: HttpRequest, section: str) -> bool:
    role = user_role(request)
    return bool(role) and section in roles()[role].sections


def section_required(section: str, on_refusal: Callable[[HttpRequest], None] | None = None):
    """Decorate a view so only roles granted ``section`` reach it; others get 403.

    ``on_refusal`` runs before the 403 (person-level views pass one that writes the audit entry).
    """

    def decorate(view):
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            if not has_section(request, section):
                if on_refusal is not None:
                    on_refusal(request)
                raise PermissionDenied(f"your role does not include {section}")
            return view(request, *args, **kwargs)

        return guarded

    return decorate
