"""API views shared by every part of the service: the schema and who the caller is."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from kinsight.web.navigation import sections_for, user_role


@cache
def schema() -> dict:
    return yaml.safe_load(files("kinsight.web.api").joinpath("openapi.yaml").read_text("utf-8"))


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(schema())


@require_GET
def me(request: HttpRequest) -> JsonResponse:
    role = user_role(request)
    return JsonResponse(
        {
            "username": request.user.get_username(),
            "role": role,
            "sections": [section.key for section in sections_for(role)],
        }
    )
