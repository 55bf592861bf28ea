"""The warehouse: a common data model keyed by person_id, in immutable DuckDB snapshots.

Readers use :func:`open_snapshot`; ``kinsight run`` uses :func:`run_pipeline`.
"""

from kinsight.store.run import run_pipeline
from kinsight.store.snapshots import Snapshot, Warehouse, open_snapshot

__all__ = ["Snapshot", "Warehouse", "open_snapshot", "run_pipeline"]
