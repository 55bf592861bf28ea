"""The outputs tests use the hand-made warehouse of tests/analysis/conftest.py."""

import importlib.util
from pathlib import Path

import duckdb
import pytest

from kinsight.analysis.dummy import create_warehouse

_spec = importlib.util.spec_from_file_location(
    "analysis_warehouse_rows", Path(__file__).parents[1] / "analysis" / "conftest.py"
)
_rows = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rows)
ROWS = _rows.ROWS


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory):
    return create_warehouse(tmp_path_factory.mktemp("warehouse") / "snapshot.duckdb", ROWS)


@pytest.fixture
def snapshot(warehouse_path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()
