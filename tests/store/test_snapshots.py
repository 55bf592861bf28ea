"""Snapshots on disk: ids that sort, a CURRENT pointer moved atomically, retention that spares the current one."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from kinsight.core.errors import KinsightError
from kinsight.store import Warehouse

NOON = datetime(2026, 4, 1, 12, 0, 0, tzinfo=UTC)


def publish(warehouse: Warehouse, when=NOON) -> str:
    snapshot_id = warehouse.new_snapshot_id(when)
    duckdb.connect(str(warehouse.building_path(snapshot_id))).close()
    warehouse.publish(snapshot_id, {"snapshot_id": snapshot_id})
    return snapshot_id


def test_ids_made_in_the_same_second_stay_in_order(tmp_path):
    warehouse = Warehouse(tmp_path)
    ids = [publish(warehouse) for _ in range(12)]
    assert ids[:3] == ["20260401T120000Z", "20260401T120000Z-1", "20260401T120000Z-2"]
    assert [s.snapshot_id for s in warehouse.snapshots()] == ids
    assert warehouse.current_id() == ids[-1]


def test_a_snapshot_being_built_is_neither_listed_nor_current(tmp_path):
    warehouse = Warehouse(tmp_path)
    done = publish(warehouse)
    building = warehouse.new_snapshot_id(NOON)
    duckdb.connect(str(warehouse.building_path(building))).close()
    assert building != done
    assert [s.snapshot_id for s in warehouse.snapshots()] == [done]
    warehouse.discard(building)
    assert sorted(p.name for p in warehouse.snapshots_dir.iterdir()) == [f"{done}.duckdb", f"{done}.json"]


def test_retention_never_removes_the_current_snapshot(tmp_path):
    warehouse = Warehouse(tmp_path)
    ids = [publish(warehouse) for _ in range(4)]
    warehouse.make_current(ids[0])  # an operator rolled back to the first
    removed = warehouse.apply_retention(1)
    assert removed == ids[1:3]
    assert [s.snapshot_id for s in warehouse.snapshots()] == [ids[0], ids[3]]
    with pytest.raises(KinsightError, match="at least 1"):
        warehouse.apply_retention(0)


def test_asking_for_a_snapshot_that_is_not_there_is_a_clear_error(tmp_path):
    warehouse = Warehouse(tmp_path)
    with pytest.raises(KinsightError, match="no snapshot yet"):
        warehouse.snapshot()
    publish(warehouse)
    with pytest.raises(KinsightError, match="not a snapshot id"):
        warehouse.snapshot("../../etc/passwd")
    with pytest.raises(KinsightError, match="no snapshot 20990101T000000Z"):
        warehouse.snapshot("20990101T000000Z")
