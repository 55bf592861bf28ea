"""The outputs tests use the hand-made warehouse of tests/analysis/conftest.py (its rows and
its fixtures), loaded by path since tests/ is not a package."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "analysis_warehouse", Path(__file__).parents[1] / "analysis" / "conftest.py"
)
_analysis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_analysis)

ROWS = _analysis.ROWS
warehouse_path = _analysis.warehouse_path
snapshot = _analysis.snapshot
