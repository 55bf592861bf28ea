"""The JSON API and its OpenAPI 3 schema."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def api_routes() -> set[str]:
    """Every routed API path in OpenAPI form (``{name}`` for path parameters)."""
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/"
    )

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)

    return set(walk(resolver.url_patterns))


def test_the_schema_is_served_without_signing_in_and_is_openapi_3(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Kinsight API"


def test_every_api_route_is_in_the_schema_and_every_documented_path_is_routed(client):
    documented = set(client.get("/api/openapi.json").json()["paths"])
    assert api_routes() == documented


def test_every_documented_operation_says_what_it_returns(client):
    for path, operations in client.get("/api/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (path, method)
            assert "200" in operation["responses"] or "201" in operation["responses"], (path, method)


def test_me_says_who_the_caller_is(signed_in):
    body = signed_in("analyst").get("/api/me").json()
    assert body["role"] == "analyst"
    assert "quality" in body["sections"] or body["sections"] == [] or isinstance(body["sections"], list)


def test_the_api_needs_a_signed_in_user(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"error": "sign in first"}
