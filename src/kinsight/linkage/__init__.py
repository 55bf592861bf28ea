"""The child index: identifier checks, deterministic and probabilistic linkage, stable person ids.

Public surface:

* :class:`ChildIndex` — the persistent, incremental index (``ChildIndex.open(path)``);
* :func:`link_sources` — link configured sources once and write the outputs of
  ``kinsight link`` (clusters, pairs, model, report);
* :mod:`kinsight.linkage.identifiers` — NHS number, UPN and ULN checks.
"""

from kinsight.linkage.index import ChildIndex, LinkageResult, ReviewItem

__all__ = ["ChildIndex", "LinkageResult", "ReviewItem"]
