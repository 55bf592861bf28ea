"""Clustering linked pairs into children, honouring what must never be merged.

Splink's connected components would happily chain twins together through one badly
recorded record, so Kinsight clusters with its own constrained union-find: evidence is
applied strongest first (reviewers' "same child" decisions, then shared valid
identifiers, then model links by falling match weight) and a merge is refused when the
merged child would

* hold two different valid NHS numbers (two children, or an adoption re-registration);
* contain both ends of a cannot-link pair (a reviewer's "not the same child", or a pair
  the sibling guard stopped);
* join a pre-adoption identity to a post-adoption one, or join a pre-adoption record by
  model evidence at all (it may join only by a shared identifier or a decision).

``person_id``s are carried forward by overlap with the previous clusters, so they never
change once issued; a split or merge is reported with its reason.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

#: Kinds of evidence, strongest first; model links come last, by match weight.
EVIDENCE = ("decision", "nhs_number", "upn", "other_id", "model")

_ID_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass
class Evidence:
    """Pairs of record keys that argue for the same child, of one kind."""

    kind: str
    left: np.ndarray
    right: np.ndarray
    weight: np.ndarray | None = None


@dataclass
class Clustering:
    """The result of :func:`cluster`: a cluster label per record and the merges refused."""

    labels: dict[int, int]
    refused: list[tuple[int, int, str]] = field(default_factory=list)
    #: For each merge made, (left, right, kind): which evidence joined the two groups.
    joins: list[tuple[int, int, str]] = field(default_factory=list)


def cluster(
    rids: np.ndarray,
    evidence: list[Evidence],
    *,
    nhs_number: dict[int, str],
    adoption: dict[int, str],
    cannot_link: list[tuple[int, int, str, bool]],
) -> Clustering:
    """Cluster ``rids`` from ``evidence`` under the constraints described in the module.

    ``cannot_link`` holds (left, right, reason, hard): a hard constraint (a reviewer's
    decision) stops every kind of evidence but another decision; a soft one (the
    sibling guard) stops only model evidence, since a shared identifier outranks it.
    """
    parent: dict[int, int] = {int(r): int(r) for r in rids}
    numbers: dict[int, set[str]] = {r: {nhs_number[r]} for r in parent if r in nhs_number}
    phase: dict[int, set[str]] = {r: {adoption[r]} for r in parent if r in adoption}
    forbidden: dict[int, dict[int, tuple[str, bool]]] = defaultdict(dict)
    for a, b, reason, hard in cannot_link:
        if a in parent and b in parent:
            forbidden[a][b] = forbidden[b][a] = (reason, hard)
    result = Clustering(labels={})

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def refusal(ra: int, rb: int, kind: str) -> str | None:
        na, nb = numbers.get(ra, set()), numbers.get(rb, set())
        if na and nb and na != nb and kind != "decision":
            return "two different valid NHS numbers"
        pa_, pb = phase.get(ra, set()), phase.get(rb, set())
        if ("pre" in pa_ and "post" in pb) or ("post" in pa_ and "pre" in pb):
            return "pre- and post-adoption identities are never linked"
        if kind == "model" and ("pre" in pa_ or "pre" in pb):
            return "a pre-adoption identity links only by identifier or decision"
        small, large = (ra, rb) if len(forbidden.get(ra, ())) <= len(forbidden.get(rb, ())) else (rb, ra)
        for other, (reason, hard) in forbidden.get(small, {}).items():
            applies = kind == "model" or (hard and kind != "decision")
            if applies and find(other) == large:
                return reason
        return None

    def union(ra: int, rb: int) -> None:
        if len(forbidden.get(ra, ())) > len(forbidden.get(rb, ())):
            ra, rb = rb, ra
        parent[ra] = rb
        for store in (numbers, phase):
            if ra in store:
                store.setdefault(rb, set()).update(store.pop(ra))
        if ra in forbidden:
            forbidden[rb].update(forbidden.pop(ra))

    for batch in sorted(evidence, key=lambda e: EVIDENCE.index(e.kind)):
        order = np.argsort(-batch.weight, kind="stable") if batch.weight is not None else None
        left = batch.left[order] if order is not None else batch.left
        right = batch.right[order] if order is not None else batch.right
        for a, b in zip(left.tolist(), right.tolist()):
            if a not in parent or b not in parent:
                continue
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            reason = refusal(ra, rb, batch.kind)
            if reason:
                result.refused.append((a, b, reason))
            else:
                union(ra, rb)
                result.joins.append((a, b, batch.kind))
    result.labels = {r: find(r) for r in parent}
    return result


@dataclass
class Change:
    """A split or merge of people between two runs, with its reason."""

    kind: str  # "merge" or "split"
    person_id: str
    others: list[str]
    reason: str


def carry_forward(
    labels: dict[int, int],
    previous: dict[int, str],
    *,
    taken: set[str],
) -> tuple[dict[int, str], list[Change]]:
    """Give each new cluster a ``person_id``, keeping previous ones by largest overlap.

    ``previous`` maps record keys to the person ids they had; ``taken`` holds every id
    ever issued (ids are never reused). Returns the id per record and the splits and
    merges between the previous and the new clustering.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for rid, label in labels.items():
        members[label].append(rid)
    overlap = Counter((labels[rid], pid) for rid, pid in previous.items() if rid in labels)
    assigned: dict[int, str] = {}
    used: set[str] = set()
    # Largest overlaps first; ties by the older (smaller) id, so the choice is repeatable.
    for (label, pid), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1])):
        if label not in assigned and pid not in used:
            assigned[label] = pid
            used.add(pid)
    for label in members:
        if label not in assigned:
            assigned[label] = new_person_id(taken)
    person = {rid: assigned[label] for rid, label in labels.items()}

    changes: list[Change] = []
    old_groups: dict[str, set[str]] = defaultdict(set)  # old pid -> new pids
    new_groups: dict[str, set[str]] = defaultdict(set)  # new pid -> old pids
    for rid, pid in previous.items():
        if rid in person:
            old_groups[pid].add(person[rid])
            new_groups[person[rid]].add(pid)
    for new_pid, olds in sorted(new_groups.items()):
        if len(olds) > 1:
            changes.append(Change("merge", new_pid, sorted(olds - {new_pid}), ""))
    for old_pid, news in sorted(old_groups.items()):
        if len(news) > 1:
            changes.append(Change("split", old_pid, sorted(news - {old_pid}), ""))
    return person, changes


def new_person_id(taken: set[str]) -> str:
    """A fresh ``P`` + 10 random characters, never issued before (and so never reissued)."""
    while True:
        # 56 random bits written as 10 characters of a 34-letter alphabet (34**10 < 2**56).
        value = int.from_bytes(secrets.token_bytes(7), "big")
        characters = []
        for _ in range(10):
            value, digit = divmod(value, len(_ID_ALPHABET))
            characters.append(_ID_ALPHABET[digit])
        candidate = "P" + "".join(characters)
        if candidate not in taken:
            taken.add(candidate)
            return candidate
