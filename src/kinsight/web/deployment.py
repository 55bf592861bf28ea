"""The deployment this web service serves: its configuration and current warehouse snapshot.

``kinsight serve --config`` names it (``settings.KINSIGHT_CONFIG``). Pages that need the
warehouse ask here; with no deployment or no snapshot yet they say so rather than fail.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import duckdb
from django.conf import settings

from kinsight.core.config import ProjectConfig, load_config
from kinsight.core.errors import KinsightError
from kinsight.store import Warehouse, open_snapshot

_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.Lock()


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


def snapshot() -> duckdb.DuckDBPyConnection:
    """A cursor on the current warehouse snapshot (read-only).

    One connection per snapshot is kept for the life of the process and each request gets its
    own cursor, so pages do not pay to open the file; a new run's snapshot is picked up as soon
    as ``CURRENT`` names it. Raises KinsightError when there is no deployment or no snapshot.
    """
    current = config()
    if current is None:
        raise KinsightError("no deployment is configured: start the service with kinsight serve --config FILE")
    chosen = Warehouse.of(current).snapshot()
    with _connections_lock:
        connection = _connections.get(str(chosen.path))
        if connection is None:
            connection = _connections[str(chosen.path)] = open_snapshot(current, chosen.snapshot_id)
    return connection.cursor()
