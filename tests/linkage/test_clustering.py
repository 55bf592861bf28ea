"""Constrained clustering: connected components where nothing can be refused, union-find where it can."""

import re

import numpy as np

from kinsight.linkage.clustering import Evidence, _union_find, cluster, new_person_ids


def _groups(labels: dict[int, int]) -> set[frozenset[int]]:
    members: dict[int, set[int]] = {}
    for rid, label in labels.items():
        members.setdefault(label, set()).add(rid)
    return {frozenset(m) for m in members.values()}


def _random_case(seed: int):
    """A few thousand records, identifier and model evidence, and constraints scattered over them."""
    rng = np.random.default_rng(seed)
    rids = np.arange(1, 3001)
    evidence = [
        Evidence("nhs_number", rng.integers(1, 3001, 400), rng.integers(1, 3001, 400)),
        Evidence("model", rng.integers(1, 3001, 900), rng.integers(1, 3001, 900), rng.normal(12, 4, 900)),
        Evidence("model", np.array([1, 99_999]), np.array([2, 3]), np.array([30.0, 30.0])),  # 99_999 is not indexed
    ]
    nhs = {int(r): f"9{int(r) % 37:09d}" for r in rng.choice(rids, 300, replace=False)}
    adoption = {int(r): str(rng.choice(["pre", "post"])) for r in rng.choice(rids, 40, replace=False)}
    cannot = [(int(a), int(b), "sibling guard", bool(rng.random() < 0.2))
              for a, b in zip(rng.integers(1, 3001, 150), rng.integers(1, 3001, 150))]
    return rids, evidence, nhs, adoption, cannot


def test_components_first_clusters_exactly_as_the_union_find_does():
    for seed in range(5):
        rids, evidence, nhs, adoption, cannot = _random_case(seed)
        fast = cluster(rids, evidence, nhs_number=nhs, adoption=adoption, cannot_link=cannot)
        slow = _union_find(rids, evidence, nhs_number=nhs, adoption=adoption, cannot_link=cannot)
        assert _groups(fast.labels) == _groups(slow.labels)
        assert fast.refused and sorted(fast.refused) == sorted(slow.refused)
        assert set(fast.labels) == set(int(r) for r in rids)


def test_a_chain_between_two_nhs_numbers_is_still_broken():
    # 1 and 3 hold different valid numbers; the model's links would chain them through 2.
    evidence = [Evidence("model", np.array([1, 2]), np.array([2, 3]), np.array([20.0, 15.0]))]
    result = cluster(np.array([1, 2, 3, 4]), evidence, nhs_number={1: "9434765919", 3: "9434765870"},
                     adoption={}, cannot_link=[])
    assert _groups(result.labels) == {frozenset({1, 2}), frozenset({3}), frozenset({4})}
    assert result.refused == [(2, 3, "two different valid NHS numbers")]


def test_records_whose_joins_are_wanted_are_explained():
    evidence = [Evidence("upn", np.array([1, 5]), np.array([2, 6]))]
    result = cluster(np.array([1, 2, 5, 6]), evidence, nhs_number={}, adoption={}, cannot_link=[],
                     explained={1})
    assert result.joins == [(1, 2, "upn")]
    assert _groups(result.labels) == {frozenset({1, 2}), frozenset({5, 6})}


def test_no_records_no_clusters():
    assert cluster(np.array([], dtype=np.int64), [], nhs_number={}, adoption={}, cannot_link=[]).labels == {}


def test_person_ids_are_fresh_well_formed_and_never_reissued():
    taken = {"P0000000000"}
    ids = new_person_ids(20_000, taken)
    assert len(set(ids)) == 20_000
    assert all(re.fullmatch(r"P[0-9A-HJ-NP-Z]{10}", i) for i in ids)
    assert "P0000000000" not in ids and set(ids) <= taken
    assert new_person_ids(0, taken) == []
