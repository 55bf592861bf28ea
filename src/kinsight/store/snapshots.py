"""Immutable warehouse snapshots and the ``CURRENT`` pointer.

A warehouse folder holds::

    <warehouse>/snapshots/<snapshot_id>.duckdb     one per successful run, never changed
    <warehouse>/snapshots/<snapshot_id>.json       that run's summary
    <warehouse>/CURRENT                            the id of the snapshot readers use
    <warehouse>/index/                             the child index (kinsight.linkage)
    <warehouse>/cache/                             parsed source files by content hash

A run builds its snapshot under a temporary name and renames it into place only
when it is complete, then replaces ``CURRENT`` atomically; readers holding the
previous snapshot open are never disturbed, and a failed run leaves both the
snapshots and ``CURRENT`` as they were.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from kinsight.core.config import ProjectConfig
from kinsight.core.errors import KinsightError

_ID = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
BUILDING_PREFIX = ".building-"


@dataclass(frozen=True)
class Snapshot:
    """One snapshot on disk."""

    snapshot_id: str
    path: Path
    is_current: bool

    @property
    def summary_path(self) -> Path:
        return self.path.with_suffix(".json")

    def summary(self) -> dict[str, Any]:
        """The run summary saved beside the snapshot (empty if it was lost)."""
        try:
            return json.loads(self.summary_path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}


class Warehouse:
    """The warehouse folder of a deployment."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def of(cls, config: ProjectConfig) -> Warehouse:
        return cls(config.warehouse)

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def current_id(self) -> str | None:
        """The id ``CURRENT`` names, or None before the first successful run."""
        try:
            text = (self.root / "CURRENT").read_text("utf-8").strip()
        except FileNotFoundError:
            return None
        return text or None

    def snapshots(self) -> list[Snapshot]:
        """Every complete snapshot, oldest first."""
        if not self.snapshots_dir.is_dir():
            return []
        current = self.current_id()
        found = sorted((p for p in self.snapshots_dir.glob("*.duckdb") if _ID.match(p.stem)),
                       key=lambda p: _order(p.stem))
        return [Snapshot(p.stem, p, p.stem == current) for p in found]

    def snapshot(self, snapshot_id: str | None = None) -> Snapshot:
        """The named snapshot, or the current one; a clear error if there is none."""
        wanted = snapshot_id or self.current_id()
        if wanted is None:
            raise KinsightError(f"{self.root}: no snapshot yet; run `kinsight run` first")
        if not _ID.match(wanted):
            raise KinsightError(f"{wanted!r} is not a snapshot id (they look like 20260401T093000Z)")
        path = self.snapshots_dir / f"{wanted}.duckdb"
        if not path.is_file():
            raise KinsightError(f"{self.root}: no snapshot {wanted}")
        return Snapshot(wanted, path, wanted == self.current_id())

    def new_snapshot_id(self, now: datetime | None = None) -> str:
        """A fresh id that sorts after every existing one."""
        base = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        taken = {s.snapshot_id for s in self.snapshots()}
        if self.snapshots_dir.is_dir():
            taken |= {p.name[len(BUILDING_PREFIX):].split(".")[0]
                      for p in self.snapshots_dir.glob(BUILDING_PREFIX + "*")}
        candidate, n = base, 1
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def building_path(self, snapshot_id: str) -> Path:
        """Where a run writes its snapshot before it is complete."""
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        return self.snapshots_dir / f"{BUILDING_PREFIX}{snapshot_id}.duckdb"

    def publish(self, snapshot_id: str, summary: dict[str, Any]) -> Snapshot:
        """Move a complete snapshot into place, save its summary, and make it current."""
        building = self.building_path(snapshot_id)
        final = self.snapshots_dir / f"{snapshot_id}.duckdb"
        self.save_summary(snapshot_id, summary)
        os.replace(building, final)
        _write_atomic(self.root / "CURRENT", snapshot_id + "\n")
        return Snapshot(snapshot_id, final, True)

    def make_current(self, snapshot_id: str) -> Snapshot:
        """Point ``CURRENT`` at an existing snapshot (to roll back a bad month, say)."""
        snapshot = self.snapshot(snapshot_id)
        _write_atomic(self.root / "CURRENT", snapshot.snapshot_id + "\n")
        return Snapshot(snapshot.snapshot_id, snapshot.path, True)

    def save_summary(self, snapshot_id: str, summary: dict[str, Any]) -> None:
        """Write (or rewrite) a snapshot's run summary beside it."""
        path = self.snapshots_dir / f"{snapshot_id}.json"
        _write_atomic(path, json.dumps(summary, indent=2, default=str))

    def discard(self, snapshot_id: str) -> None:
        """Remove what a failed run left under its temporary name."""
        for path in self.snapshots_dir.glob(f"{BUILDING_PREFIX}{snapshot_id}*"):
            path.unlink(missing_ok=True)

    def apply_retention(self, keep: int) -> list[str]:
        """Delete all but the newest ``keep`` snapshots (never the current one); return their ids."""
        if keep < 1:
            raise KinsightError("keep_snapshots must be at least 1")
        old = [s for s in self.snapshots()[:-keep] if not s.is_current]
        for snapshot in old:
            snapshot.path.unlink(missing_ok=True)
            snapshot.summary_path.unlink(missing_ok=True)
        return [s.snapshot_id for s in old]


def open_snapshot(config: ProjectConfig, snapshot_id: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current (or the named) snapshot of a deployment.

    The web service and the indicators read the warehouse through this; a
    snapshot never changes once published, so a reader sees one consistent run.
    """
    snapshot = Warehouse.of(config).snapshot(snapshot_id)
    return duckdb.connect(str(snapshot.path), read_only=True)


def _order(snapshot_id: str) -> tuple[str, int]:
    # Ids made within the same second carry a counter: 20260401T093000Z, …Z-1, …Z-2.
    stamp, _, counter = snapshot_id.partition("-")
    return stamp, int(counter or 0)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)
