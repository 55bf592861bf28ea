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
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
    explained: set[int] | frozenset[int] = frozenset(),
) -> Clustering:
    """Cluster ``rids`` from ``evidence`` under the constraints described in the module.

    ``cannot_link`` holds (left, right, reason, hard): a hard constraint (a reviewer's
    decision) stops every kind of evidence but another decision; a soft one (the
    sibling guard) stops only model evidence, since a shared identifier outranks it.

    Most children hold no constraint at all, and for them the constrained union-find
    and plain connected components agree; so components are found at once with
    SciPy, and only those that could refuse a merge (a cannot-link, an adoption mark,
    two valid NHS numbers) or that hold a record in ``explained`` (whose joins the
    caller wants, to say why people merged) go through the union-find edge by edge.
    """
    keys = _sorted_unique(rids)
    n = len(keys)
    result = Clustering(labels={})
    if n == 0:
        return result
    ends = [_positions(keys, e) for e in evidence]
    left = np.concatenate([a for a, _, _ in ends] + [np.empty(0, np.int64)])
    right = np.concatenate([b for _, b, _ in ends] + [np.empty(0, np.int64)])
    graph = coo_matrix((np.ones(len(left), np.int8), (left, right)), shape=(n, n))
    _, component = connected_components(graph, directed=False)

    careful = np.zeros(component.max() + 1, dtype=bool)
    marked = [a for a, b, _, _ in cannot_link] + [b for _, b, _, _ in cannot_link]
    for records in (marked, list(adoption), list(explained)):
        at, found = _lookup(keys, np.asarray(records, dtype=np.int64))
        careful[component[at[found]]] = True
    if nhs_number:
        at, found = _lookup(keys, np.fromiter(nhs_number, dtype=np.int64, count=len(nhs_number)))
        # Numbers as small integers, each (component, number) once as one integer, and
        # then how many numbers each component holds.
        codes = pa.array(list(nhs_number.values()), pa.string()).dictionary_encode().indices
        numbers = codes.to_numpy().astype(np.int64)[found]
        span = int(numbers.max(initial=0)) + 1
        distinct = np.unique(component[at[found]].astype(np.int64) * span + numbers)
        careful |= np.bincount(distinct // span, minlength=len(careful)) > 1

    # A component's label is its smallest record key (keys are sorted, so its first).
    _, first = np.unique(component, return_index=True)
    roots = keys[first][component]
    slow = careful[component]
    result.labels = dict(zip(keys[~slow].tolist(), roots[~slow].tolist()))
    if slow.any():
        pieces = []
        for e, (a, b, kept) in zip(evidence, ends):
            inside = slow[a]
            weight = None if e.weight is None else np.asarray(e.weight)[kept][inside]
            pieces.append(Evidence(e.kind, keys[a[inside]], keys[b[inside]], weight))
        careful_result = _union_find(keys[slow], pieces, nhs_number=nhs_number, adoption=adoption,
                                     cannot_link=cannot_link)
        result.labels.update(careful_result.labels)
        result.refused, result.joins = careful_result.refused, careful_result.joins
    return result


def _sorted_unique(rids: np.ndarray) -> np.ndarray:
    """``rids`` sorted without repeats; the index passes them so already, which is checked
    in one pass instead of sorted again (np.unique takes most of a second on a million)."""
    keys = np.asarray(rids, dtype=np.int64)
    return keys if bool((keys[1:] > keys[:-1]).all()) else np.unique(keys)


def _lookup(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``values`` in the sorted ``keys``, and which of them are there at all."""
    at = np.searchsorted(keys, values).clip(max=len(keys) - 1)
    return at, keys[at] == values


def _positions(keys: np.ndarray, evidence: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``evidence``'s pairs as positions in ``keys``, and which pairs those are: pairs that
    reach outside the records being clustered are dropped."""
    a, found_a = _lookup(keys, np.asarray(evidence.left, dtype=np.int64))
    b, found_b = _lookup(keys, np.asarray(evidence.right, dtype=np.int64))
    kept = found_a & found_b
    return a[kept], b[kept], kept


def _union_find(
    rids: np.ndarray,
    evidence: list[Evidence],
    *,
    nhs_number: dict[int, str],
    adoption: dict[int, str],
    cannot_link: list[tuple[int, int, str, bool]],
) -> Clustering:
    """The constrained union-find, evidence strongest first, one pair at a time."""
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
    clusters = dict.fromkeys(labels.values())
    overlap = Counter((labels[rid], pid) for rid, pid in previous.items() if rid in labels)
    assigned: dict[int, str] = {}
    used: set[str] = set()
    # Largest overlaps first; ties by the older (smaller) id, so the choice is repeatable.
    for (label, pid), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1])):
        if label not in assigned and pid not in used:
            assigned[label] = pid
            used.add(pid)
    unassigned = [label for label in clusters if label not in assigned]
    assigned.update(zip(unassigned, new_person_ids(len(unassigned), taken)))
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


def new_person_ids(count: int, taken: set[str]) -> list[str]:
    """``count`` fresh ids, ``P`` + 10 random characters, never issued before (nor reissued).

    Each id is 56 random bits written as 10 characters of a 34-letter alphabet
    (34**10 < 2**56); they are drawn together because a first run issues a million.
    """
    alphabet = np.frombuffer(_ID_ALPHABET.encode(), dtype="S1")
    fresh: list[str] = []
    while len(fresh) < count:
        wanted = count - len(fresh)
        raw = np.frombuffer(secrets.token_bytes(8 * wanted), dtype=">u8") >> np.uint64(8)
        digits = np.empty((wanted, 10), dtype=np.uint64)
        for place in range(10):
            raw, digits[:, place] = np.divmod(raw, np.uint64(len(_ID_ALPHABET)))
        text = alphabet[digits].tobytes().decode("ascii")
        for start in range(0, len(text), 10):
            candidate = "P" + text[start:start + 10]
            if candidate not in taken:
                taken.add(candidate)
                fresh.append(candidate)
    return fresh
