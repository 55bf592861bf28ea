"""``kinsight run``: ingest → validate → link → build a snapshot → publish it.

One run turns a deployment's source folders into a new immutable warehouse
snapshot and makes it current. It either completes, or leaves the warehouse as
it found it: the snapshot is built under a temporary name, and ``CURRENT`` moves
only once the snapshot and its summary are in place.

The quality service and the child index are imported when their stage runs,
so the commands that only read snapshots start quickly.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from kinsight.core.config import ProjectConfig, SourceConfig
from kinsight.core.errors import KinsightError
from kinsight.governance.purge_list import read_purge_list
from kinsight.sources.files import files_of
from kinsight.sources.registry import paths_option
from kinsight.store.build import SnapshotFacts, build_snapshot
from kinsight.store.ingest import LoadedSource, ingest_source, prune_cache, sha256_of
from kinsight.store.snapshots import Warehouse

STAGES = ("ingest", "validate", "link", "build", "publish")
#: How many rejected rows the summary lists individually (all are counted).
REJECTED_SAMPLE = 50

#: Told of progress: stage, steps done, steps in the stage, what is being done.
ProgressHook = Callable[[str, int, int, str], None]

_VALIDATORS = {"ssda903": ("kinsight.quality.ssda903", "validate_903"),
               "cin_xml": ("kinsight.quality.cin", "validate_cin")}


def run_pipeline(config: ProjectConfig, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Run every stage for a deployment; return the run summary (also saved beside the snapshot)."""
    tell = progress or (lambda *_: None)
    warehouse = Warehouse.of(config)
    snapshot_id = warehouse.new_snapshot_id()
    timings: dict[str, float] = {}
    summary: dict[str, Any] = {"snapshot_id": snapshot_id, "la": config.la, "config": str(config.path),
                               "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        with _timed(timings, "ingest"):
            loaded = _ingest(config, warehouse, tell)
        with _timed(timings, "validate"):
            summary["validation"] = _validate(config, loaded, warehouse, tell)
        with _timed(timings, "link"):
            clusters, summary["linkage"] = _link(loaded, warehouse, tell)
        with _timed(timings, "build"):
            tell("build", 0, 1, "writing the snapshot")
            facts = SnapshotFacts(snapshot_id, config.la, _collection_year(config, loaded),
                                  sha256_of(config.path),
                                  config.settings.get("project", {}).get("population_0_17"))
            summary["tables"] = build_snapshot(warehouse.building_path(snapshot_id), loaded, clusters, facts)
            tell("build", 1, 1, "snapshot written")
        summary["sources"] = [_source_summary(s) for s in loaded]
        summary["rejected_rows"] = [dict(r, source=s.config.name) for s in loaded
                                    for r in s.rejected][:REJECTED_SAMPLE]
        with _timed(timings, "publish"):
            tell("publish", 0, 1, "making it current")
            summary["timings"] = timings
            summary["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            warehouse.publish(snapshot_id, summary)
            keep = config.settings.get("project", {}).get("keep_snapshots")
            summary["removed_snapshots"] = warehouse.apply_retention(int(keep)) if keep else []
            summary["cache_entries_removed"] = prune_cache(warehouse.cache_dir, loaded)
            tell("publish", 1, 1, f"snapshot {snapshot_id} is current")
        warehouse.save_summary(snapshot_id, summary)  # now with retention and the publish time
    except BaseException:
        warehouse.discard(snapshot_id)
        raise
    return summary


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 3)


@contextmanager
def _naming(source: str):
    """Errors about a source's input start with the source's name (once)."""
    try:
        yield
    except KinsightError as error:
        message = str(error).replace(f"source {source}: ", "")
        raise KinsightError(f"source {source}: {message}") from None


def _ingest(config: ProjectConfig, warehouse: Warehouse, tell: ProgressHook) -> list[LoadedSource]:
    loaded = []
    purged = read_purge_list(config.warehouse)
    for done, source in enumerate(config.sources):
        tell("ingest", done, len(config.sources), source.name)
        with _naming(source.name):
            loaded.append(ingest_source(source, config.path.parent, warehouse.cache_dir,
                                        purged.get(source.name, frozenset())))
    tell("ingest", len(config.sources), len(config.sources), "all sources read")
    return loaded


def _validate(config: ProjectConfig, loaded: list[LoadedSource], warehouse: Warehouse,
              tell: ProgressHook) -> dict[str, Any]:
    """Validate each statutory return with the quality service; record its headline."""
    returns = [s for s in loaded if s.config.format in _VALIDATORS and s.units]
    headlines: dict[str, Any] = {}
    for done, source in enumerate(returns):
        tell("validate", done, len(returns), source.config.name)
        module_name, function = _VALIDATORS[source.config.format]
        validate = getattr(importlib.import_module(module_name), function)
        providers = _provider_lists(config, source)
        with _naming(source.config.name):
            headlines[source.config.name] = _cached_headline(
                warehouse, source, providers, lambda s=source, v=validate, p=providers: _headline(config, s, v, p))
    tell("validate", len(returns), len(returns), "returns validated")
    return headlines


def _headline(config: ProjectConfig, source: LoadedSource, validate, providers: list[Path]) -> dict[str, Any]:
    current, *previous = [unit.path for unit in source.units]
    year = source.units[0].collection_year
    if source.config.format == "ssda903":
        result = validate([current], year, config.la, previous=tuple(previous), providers=providers)
    else:
        result = validate(current, year, config.la, previous=tuple(previous))
    return dict(result.headline(), collection_year=year)


def _provider_lists(config: ProjectConfig, source: LoadedSource) -> list[Path]:
    """Ofsted's provider lists a 903 source names (``providers = "returns/ofsted"``: files or a
    folder, relative to the configuration), for the rules that check URNs against them."""
    if source.config.format != "ssda903":
        return []
    return paths_option(source.config, "providers", config.path.parent)


def _cached_headline(warehouse: Warehouse, source: LoadedSource, providers: list[Path], compute) -> dict[str, Any]:
    """A return already validated in an earlier run (same files) is not validated again."""
    # The provider lists change what the 903 rules find, so a new download is validated anew.
    lists = [sha256_of(f) for p in providers for f in files_of(p, (".csv", ".xlsx"))]
    key = hashlib.sha256("".join([u.sha256 for u in source.units] + lists).encode()).hexdigest()[:20]
    path = warehouse.cache_dir / "validation" / f"{source.config.name}-{key}.json"
    if path.is_file():
        return json.loads(path.read_text("utf-8")) | {"reused": True}
    headline = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(headline, default=str), "utf-8")
    return headline


def _link(loaded: list[LoadedSource], warehouse: Warehouse, tell: ProgressHook):
    """Link every source's person records in the persistent child index."""
    from kinsight.linkage import ChildIndex

    tell("link", 0, 1, "linking records in the child index")
    parts = [r for s in loaded if (r := s.person_records()) is not None and r.num_rows]
    if not parts:
        return None, {"skipped": "no person records to link"}
    records = pa.concat_tables(parts, promote_options="permissive")
    with ChildIndex.open(warehouse.index_dir) as index:
        result = index.link(records)
    clusters = result.clusters.select(["source", "record_id", "person_id"])
    report = result.report
    headline = {"records": records.num_rows,
                "persons": len(set(clusters["person_id"].to_pylist())),
                "changes": len(result.changes),
                **{k: v for k, v in report.items() if isinstance(v, (int, float, str, bool))}}
    tell("link", 1, 1, f"{headline['persons']} people")
    return clusters, headline


def _collection_year(config: ProjectConfig, loaded: list[LoadedSource]) -> int | None:
    years = [s.units[0].collection_year for s in loaded
             if s.config.format in _VALIDATORS and s.units and s.units[0].collection_year]
    declared = config.settings.get("project", {}).get("year")
    return int(declared) if declared else (max(years) if years else None)


def _source_summary(source: LoadedSource) -> dict[str, Any]:
    config: SourceConfig = source.config
    issues = Counter()
    for unit in source.units:
        for issue in unit.issues:
            issues[(issue["field"], issue["problem"])] += issue["count"]
    reasons = Counter(r["reason"].split(" at ")[0] for r in source.rejected)
    return {
        "name": config.name,
        "format": config.format,
        "files": len(source.units),
        "files_reused": sum(u.reused for u in source.units),
        "rows": sum(u.rows for u in source.units),
        "rejected": len(source.rejected),
        "rejected_by_reason": dict(reasons),
        "cells_blanked": [{"field": f, "problem": p, "count": n} for (f, p), n in issues.items()],
    }
