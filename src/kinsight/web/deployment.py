"""The deployment this web service serves: its configuration and current warehouse snapshot.

``kinsight serve --config`` names it (``settings.KINSIGHT_CONFIG``). Pages that need the
warehouse ask here; with no deployment or no snapshot yet they say so rather than fail.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings

from kinsight.core.config import ProjectConfig, load_config
from kinsight.core.errors import KinsightError
from kinsight.store import Warehouse


@lru_cache(maxsize=4)
def _config(path: str) -> ProjectConfig:
    return load_config(path)


def config() -> ProjectConfig | None:
    path = getattr(settings, "KINSIGHT_CONFIG", None)
    return _config(str(path)) if path else None


def la() -> str | None:
    current = config()
    return current.la if current else None


def current_summary() -> dict[str, Any]:
    """The current snapshot's run summary, or {} when there is no deployment or no run yet."""
    current = config()
    if current is None:
        return {}
    try:
        return Warehouse.of(current).snapshot().summary()
    except KinsightError:
        return {}


def validation_headlines() -> dict[str, Any]:
    """The statutory returns the last pipeline run validated, with their headline figures."""
    return current_summary().get("validation", {})
