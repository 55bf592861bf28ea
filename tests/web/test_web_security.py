"""Security every page shares: deny by default, CSRF, cookies, CSP, no personal data in URLs."""

from __future__ import annotations

import re

import pytest
from web_helpers import PASSWORD, routes
from django.test import Client
from django.urls import get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"/sign-in/", "/sign-in/sso/", "/sign-in/sso/callback/", "/accessibility/", "/api/openapi.json"}


def every_route() -> list[str]:
    """Every routed path, with each path parameter filled by a plausible value."""
    return sorted(set(routes(get_resolver().url_patterns, fill=lambda name: "1")))


def test_every_page_but_sign_in_and_the_statement_needs_a_signed_in_user(client):
    for path in every_route():
        response = client.get(path)
        if path in PUBLIC:
            continue
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), path


def test_every_response_carries_a_content_security_policy_with_no_external_origin(client):
    response = client.get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy, "no external origin may be allowed"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


def test_pages_have_no_inline_scripts_and_load_nothing_from_elsewhere(signed_in):
    page = signed_in("analyst").get("/").content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_forms_are_refused_without_a_csrf_token(make_user):
    make_user("analyst", username="asha")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": "asha", "password": PASSWORD})
    assert response.status_code == 403


def test_every_form_carries_a_csrf_token(signed_in):
    client = signed_in("admin")
    for path in ["/users/", "/"]:
        page = client.get(path).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, flags=re.S)
        assert forms, path
        for form in forms:
            assert "csrfmiddlewaretoken" in form


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(make_user, settings):
    make_user("analyst", username="asha")
    client = Client()
    response = client.post("/sign-in/", {"username": "asha", "password": PASSWORD})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = client.get("/sign-in/").cookies.get(settings.CSRF_COOKIE_NAME) or response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Strict"


def test_hsts_is_sent_when_not_in_debug(settings):
    assert settings.SECURE_HSTS_SECONDS >= 31536000


def test_no_route_takes_a_name_nhs_number_or_upn():
    for path in every_route():
        assert not re.search(r"name|nhs|upn|dob|postcode", path, flags=re.I), path


def test_unknown_pages_get_a_plain_not_found_page(signed_in):
    response = signed_in("analyst").get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
