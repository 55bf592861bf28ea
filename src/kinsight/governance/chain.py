"""The audit chain as data: canonical entries, hashes, and checking a chain or a checkpoint.

Nothing here needs the control plane, so a partner can check an export and a
signed checkpoint offline (``kinsight audit verify --file``) with no deployment.
Each entry's hash is SHA-256 over a canonical JSON of the entry (sorted keys, no
spaces) including the previous entry's hash; the first entry follows ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kinsight.core.errors import KinsightError, UnusableInput

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64

#: The fields of an entry, in export order; all but ``hash`` are covered by the hash.
FIELDS = ("seq", "at", "actor", "role", "purpose", "agreement", "action", "target", "outcome",
          "details", "prev_hash", "hash")


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry's hash is taken over: sorted-key compact JSON without the hash."""
    body = {k: entry[k] for k in FIELDS if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The result of checking a chain: intact, or where it first breaks and how."""

    intact: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.intact:
            return f"audit log intact: {self.entries} entries, head {self.head_seq} {self.head_hash[:16]}…"
        return f"audit log broken at entry {self.broken_seq}: {self.problem}"


def verify_entries(entries: Iterable[dict[str, Any]]) -> Verification:
    """Walk a chain in order and report the first entry that does not fit."""
    expected_seq, prev, count = 1, GENESIS, 0
    for entry in entries:
        seq = entry.get("seq")
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                return broken(count, prev, expected_seq,
                               f"found entry {seq} where entry {expected_seq} should be: "
                               f"entry {expected_seq} is missing here (deleted or moved)")
            return broken(count, prev, expected_seq,
                           f"found entry {seq} where entry {expected_seq} should be (inserted or reordered)")
        if entry.get("prev_hash") != prev:
            return broken(count, prev, seq, "does not follow the entry before it (inserted, reordered or "
                                             "the entry before was rewritten)")
        if entry_hash(entry) != entry.get("hash"):
            return broken(count, prev, seq, "its content does not match its hash (edited)")
        prev, expected_seq, count = entry["hash"], expected_seq + 1, count + 1
    return Verification(True, count, expected_seq - 1, prev)


def broken(count: int, prev: str, seq: int, problem: str) -> Verification:
    return Verification(False, count, seq - 1, prev, broken_seq=seq, problem=problem)


def read_export(path: Path | str) -> Iterator[dict[str, Any]]:
    """The entries of an export file, in file order; a malformed line is named."""
    path = Path(path)
    if not path.is_file():
        raise UnusableInput("audit export not found", file=path)
    # utf-8-sig: an export opened and saved on Windows gains a BOM, which is not tampering.
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnusableInput(f"not a JSON entry: {exc.msg}", file=path, row=number) from None
            if not isinstance(entry, dict) or set(FIELDS) - set(entry):
                missing = sorted(set(FIELDS) - set(entry)) if isinstance(entry, dict) else FIELDS
                raise UnusableInput(f"entry lacks {', '.join(missing)}", file=path, row=number)
            yield entry


def verify_export(path: Path | str) -> Verification:
    return verify_entries(read_export(path))


def statement(seq: int, hash_: str, signed_at: str) -> bytes:
    return json.dumps({"log": "kinsight-audit", "seq": seq, "hash": hash_, "signed_at": signed_at},
                      sort_keys=True, separators=(",", ":")).encode()


def verify_checkpoint(document: dict[str, Any], public_key_hex: str,
                      entries: Iterable[dict[str, Any]] | None = None) -> Verification | None:
    """Check a checkpoint's signature with a public key held by the partner, offline.

    With ``entries`` (an export), also check that the export is an intact chain
    that still contains the signed entry with the signed hash. Raises
    :class:`KinsightError` when the signature is not good.
    """
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex.strip()))
        public.verify(bytes.fromhex(document["signature"]),
                      statement(document["seq"], document["hash"], document["signed_at"]))
    except (ValueError, KeyError, TypeError, InvalidSignature):
        raise KinsightError("the checkpoint's signature is not valid for this public key") from None
    if entries is None:
        return None
    signed_seq, signed_hash = document["seq"], document["hash"]
    seen: dict[int, str] = {}

    def watch(stream):
        for entry in stream:
            if entry.get("seq") == signed_seq:
                seen[signed_seq] = entry.get("hash")
            yield entry

    result = verify_entries(watch(entries))
    if not result.intact:
        return result
    if signed_seq and seen.get(signed_seq) != signed_hash:
        problem = ("is missing (the log was cut short)" if signed_seq not in seen
                   else "differs from the signed checkpoint (the log was rewritten)")
        return broken(result.entries, result.head_hash, signed_seq, problem)
    return result
