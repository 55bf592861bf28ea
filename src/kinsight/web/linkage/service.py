"""The deployment's child index, as the linkage pages use it.

The index is one DuckDB file that ``kinsight run`` writes; the web opens it only for the
linkage pages, one request at a time (a lock), and never holds it open between requests, so
a pipeline run is never blocked for long.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kinsight.core.errors import KinsightError
from kinsight.linkage import ChildIndex, ReviewItem
from kinsight.linkage import report as linkage_report
from kinsight.store import Warehouse
from kinsight.web import deployment

_lock = threading.Lock()
#: Fields compared side by side in the review queue, in reading order.
COMPARED = ("forename", "surname", "dob", "sex", "postcode")


@contextmanager
def child_index() -> Iterator[ChildIndex]:
    config = deployment.config()
    if config is None:
        raise KinsightError("no deployment is configured: start the service with kinsight serve --config FILE")
    folder = Warehouse.of(config).index_dir
    if not (folder / "index.duckdb").exists():
        raise KinsightError("there is no child index yet: run kinsight run to link the sources")
    with _lock, ChildIndex.open(folder) as index:
        yield index


def quality_report() -> dict[str, Any]:
    """The quality and bias report for the index as it stands after its latest run."""
    with child_index() as index:
        latest = index.con.execute("SELECT summary FROM runs ORDER BY ran_at DESC LIMIT 1").fetchone()
        if latest is None:
            raise KinsightError("the child index has not been run yet")
        return linkage_report.build(index.con, run=json.loads(latest[0]), inputs=[], changes=[])


@dataclass(frozen=True)
class Comparison:
    """One review item laid out for a reviewer: each field of both records, agreeing or not."""

    item: ReviewItem
    rows: list[tuple[str, Any, Any, bool]]


def review_queue(limit: int = 20) -> tuple[list[Comparison], int]:
    """The most likely matches first, each field marked as agreeing or not; and the queue length."""
    with child_index() as index:
        items = index.review_queue()
    comparisons = [
        Comparison(item, [(f, item.left.get(f), item.right.get(f), _agrees(item.left.get(f), item.right.get(f)))
                          for f in COMPARED])
        for item in items[:limit]
    ]
    return comparisons, len(items)


def _agrees(left: Any, right: Any) -> bool:
    return left is not None and right is not None and str(left).strip().lower() == str(right).strip().lower()


def decide(pair: tuple[str, str, str, str], same: bool, reviewer: str, reason: str) -> int:
    """Record the reviewer's decision; return how many people were split or merged by it."""
    with child_index() as index:
        return len(index.decide(pair, same, reviewer, reason))
