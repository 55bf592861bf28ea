"""Shared fixtures for the governance specification."""

from __future__ import annotations

from datetime import datetime, timezone

import shutil

import pytest

from kinsight.governance import agreements

#: "Today" for the specification: every starter agreement is in date.
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def state_dir(settings, tmp_path):
    """A fresh state folder (signing keys, checkpoints) for each test."""
    settings.STATE_DIR = tmp_path / "state"
    return settings.STATE_DIR


@pytest.fixture
def starter_agreements(db):
    """The four starter templates, loaded and activated by the DPO."""
    loaded = {}
    for name in agreements.TEMPLATES:
        agreements.load_template(name, actor="dpo.jones")
        loaded[name] = agreements.transition(name, "active", actor="dpo.jones", now=NOW)
    return loaded


@pytest.fixture(scope="session")
def built_deployment(tmp_path_factory):
    """The small synthetic deployment, built once (see ``deployment.py``)."""
    from . import deployment

    root = tmp_path_factory.mktemp("deployment")
    deployment.build(root)
    return root


@pytest.fixture
def deployment_config(built_deployment, tmp_path):
    """A private copy of the small deployment's kinsight.toml, free to change."""
    root = tmp_path / "deployment"
    shutil.copytree(built_deployment, root)
    return root / "kinsight.toml"


class FakeChildIndex:
    """Stands in for kinsight.linkage.ChildIndex: records decisions and serves scored pairs."""

    decisions: list = []
    scored = None

    @classmethod
    def open(cls, folder):
        return cls()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        pass

    def decide(self, pair, same, reviewer, reason):
        FakeChildIndex.decisions.append((pair, same, reviewer, reason))
        return []

    def pairs(self):
        return FakeChildIndex.scored


@pytest.fixture
def fake_child_index(monkeypatch):
    """Install a FakeChildIndex as the child index of a warehouse folder."""
    from kinsight.linkage.index import INDEX_FILE

    def install(warehouse, pairs=None):
        (warehouse / "index").mkdir(parents=True, exist_ok=True)
        (warehouse / "index" / INDEX_FILE).touch()
        FakeChildIndex.decisions, FakeChildIndex.scored = [], pairs
        monkeypatch.setattr("kinsight.linkage.ChildIndex", FakeChildIndex)
        return FakeChildIndex

    return install
