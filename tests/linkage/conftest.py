"""Shared fixtures: a small synthetic LA and a child index trained on it (built once)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import SyntheticLA, generate

from kinsight.linkage import ChildIndex


@pytest.fixture(scope="session")
def small_la() -> SyntheticLA:
    """About 5,000 children and 11,000 records across six services, with truth."""
    return generate(5000, seed=11)


@pytest.fixture(scope="session")
def linked_la(small_la, tmp_path_factory):
    """The small LA linked once into an index: (index folder, LinkageResult)."""
    folder = tmp_path_factory.mktemp("index") / "index"
    with ChildIndex.open(folder) as index:
        result = index.link(small_la.records)
    return folder, result


@pytest.fixture
def trained_index(linked_la, tmp_path):
    """A private copy of the linked index, for tests that change it."""
    folder = tmp_path / "index"
    shutil.copytree(linked_la[0], folder)
    index = ChildIndex.open(folder)
    yield index
    index.close()
