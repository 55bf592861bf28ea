"""The purge list: records past the retention of their agreement, which no later run may load.

``kinsight retention run`` writes it (see :mod:`kinsight.governance.retention`);
the pipeline reads it before every load. It is a plain CSV beside the warehouse,
readable without the control plane, so a pipeline run needs no database to honour it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

#: Where the list lives, under the warehouse folder.
PURGE_LIST = Path("retention") / "purged.csv"


def read_purge_list(warehouse: Path) -> dict[str, frozenset[str]]:
    """The purged record ids of each source; empty when nothing was ever purged."""
    path = Path(warehouse) / PURGE_LIST
    if not path.is_file():
        return {}
    purged: dict[str, set[str]] = defaultdict(set)
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            purged[row["source"]].add(row["record_id"])
    return {source: frozenset(ids) for source, ids in purged.items()}
