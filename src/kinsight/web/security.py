"""Security middleware: the content security policy and deny-by-default sign-in.

Django 5.2 has no built-in CSP, so a small middleware sets one on every response. The policy
names no external origin: every script, style, image and font comes from this service, which is
what lets the service run on a council network with no internet and leak nothing to third
parties. Plotly injects ``<style>`` elements at run time, hence ``'unsafe-inline'`` for styles
only; scripts stay ``'self'`` with no inline code at all (GOV.UK Frontend's body-class snippet
lives in our module script instead).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.contrib.auth.views import redirect_to_login

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

#: Paths anyone may reach without signing in. Everything else needs a signed-in user.
PUBLIC_PREFIXES: tuple[str, ...] = (
    "/sign-in/",
    "/accessibility/",
    "/static/",
    "/api/openapi.json",
)


class ContentSecurityPolicyMiddleware:
    """Set the CSP, and stop browsers and proxies caching pages that may show personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "no-store")
        return response


class SignedInOnlyMiddleware:
    """Deny by default: a page is public only if its path is listed in ``PUBLIC_PREFIXES``.

    Views still check the role, purpose and agreement themselves; this only guarantees that
    a view someone forgot to protect is never open to the world.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return HttpResponse(
                b'{"error": "sign in first"}', status=401, content_type="application/json"
            )
        # Only the path goes into ``next``: query strings are never echoed back.
        return redirect_to_login(request.path)
