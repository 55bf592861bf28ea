"""The service navigation: one entry per section, shown only to roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from kinsight.web.roles import roles


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_name: str


#: In display order. A section whose backing service is missing is simply not listed here.
SECTIONS: tuple[Section, ...] = (
    Section("insight", "Insight", "insight:dashboard"),
    Section("quality", "Data quality", "quality:index"),
    Section("linkage", "Linkage", "linkage:report"),
    Section("children", "Children", "children:find"),
    Section("governance", "Governance", "dpo:index"),
    Section("family", "Your records", "family:home"),
    Section("catalogue", "Data catalogue", "catalogue:index"),
    Section("users", "Users", "accounts:users"),
)


def user_role(request: HttpRequest) -> str | None:
    """The signed-in user's role key, or None (no account, or no role assigned yet)."""
    user = getattr(request, "user", None)  # absent when an error page renders early
    account = getattr(user, "account", None) if user is not None and user.is_authenticated else None
    return account.role if account and account.role in roles() else None


def sections_for(role: str | None) -> list[Section]:
    """The sections a role may use, leaving out any whose pages are not installed."""
    allowed = roles()[role].sections if role else frozenset()
    return [section for section in SECTIONS if section.key in allowed and _routed(section)]


def _routed(section: Section) -> bool:
    try:
        reverse(section.url_name)
    except NoReverseMatch:
        return False
    return True


def navigation(request: HttpRequest) -> dict:
    """Template context: the navigation items for this user, the current one marked."""
    role = user_role(request)
    items = []
    for section in sections_for(role):
        href = reverse(section.url_name)
        items.append(
            {"text": section.label, "href": href, "current": request.path.startswith(href)}
        )
    return {
        "service_navigation": items,
        "user_role": roles()[role] if role else None,
    }
