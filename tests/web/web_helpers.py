"""Helpers the web tests share (imported by name: pytest's conftest modules are not importable
reliably when several test folders each have one)."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver

PASSWORD = "correct horse battery staple"


def routes(patterns, prefix: str = "", fill=None):
    """Every routed path under ``patterns``; each path parameter replaced by ``fill(name)``."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route, fill)
        elif isinstance(pattern, URLPattern):
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: fill(m[1]), route)
