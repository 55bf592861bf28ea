"""Fixtures for the pipeline tests: a small deployment, and the child index as the contract says."""

from __future__ import annotations

import sys
import types

import pipeline_fixtures
import pytest
from pipeline_fixtures import ContractChildIndex, make_deployment, read_person_records_double


@pytest.fixture
def deployment(tmp_path):
    """A deployment folder with its kinsight.toml; returns the toml's path."""
    return make_deployment(tmp_path)


@pytest.fixture(autouse=True)
def contract_linkage(monkeypatch):
    """The child index as the contract describes it, for every pipeline test.

    These tests specify the warehouse given linkage's output; the real model needs a
    population to train on, so it is exercised on a synthetic LA in test_end_to_end.py.
    """
    import kinsight.linkage

    module = types.ModuleType("kinsight.sources.person_records")
    module.read_person_records = read_person_records_double
    module.__file__ = pipeline_fixtures.__file__
    monkeypatch.setitem(sys.modules, "kinsight.sources.person_records", module)
    monkeypatch.setattr(kinsight.linkage, "ChildIndex", ContractChildIndex, raising=False)
    return ContractChildIndex
