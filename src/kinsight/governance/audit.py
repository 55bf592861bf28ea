"""The tamper-evident audit log: an append-only hash chain with signed checkpoints.

Every decision and every person-level read is appended by :func:`record`. Each
entry's hash covers a canonical JSON of the entry including the previous entry's
hash, so editing, deleting, inserting or reordering an entry breaks the chain at
that point and :func:`verify` names it. The chain's head is also kept in a
separate row (which serialises writers) and periodically signed with Ed25519
(:func:`checkpoint`): a partner holding a checkpoint and the public key can prove
offline that a later export still contains what was signed, so even rewriting the
whole tail is detected.

Entries name people only by ``person_id`` and never carry row-level data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.governance.models import AuditEntry, AuditHead, Checkpoint

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


def _timestamp(at: datetime) -> str:
    # Microsecond UTC text survives both SQLite and PostgreSQL unchanged.
    return at.astimezone(dt_timezone.utc).isoformat(timespec="microseconds")


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as exported and as hashed."""
    return {
        "seq": entry.seq, "at": _timestamp(entry.at), "actor": entry.actor, "role": entry.role,
        "purpose": entry.purpose, "agreement": entry.agreement, "action": entry.action,
        "target": entry.target, "outcome": entry.outcome, "details": entry.details,
        "prev_hash": entry.prev_hash, "hash": entry.hash,
    }


def record(*, actor: str, action: str, outcome: str, role: str = "", purpose: str = "",
           agreement: str = "", target: str = "", details: dict[str, Any] | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one entry to the chain and return it.

    Safe with many concurrent writers: appends are serialised on the chain-head
    row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first statement is a
    write, which takes the database's write lock for the whole transaction, as
    ``BEGIN IMMEDIATE`` would). If the caller's transaction rolls back, the entry
    goes with it, so the log never records what did not happen.
    """
    at = (at or timezone.now()).astimezone(dt_timezone.utc)
    with transaction.atomic():
        head = _lock_head()
        fields = {
            "seq": head.seq + 1, "at": _timestamp(at), "actor": actor, "role": role,
            "purpose": purpose, "agreement": agreement, "action": action, "target": target,
            "outcome": outcome, "details": json.loads(json.dumps(details or {}, default=str)),
            "prev_hash": head.hash,
        }
        digest = entry_hash(fields)
        entry = AuditEntry.objects.create(
            **{**fields, "at": datetime.fromisoformat(fields["at"])}, hash=digest
        )
        AuditHead.objects.filter(pk=head.pk).update(seq=entry.seq, hash=digest)
    return entry


def _lock_head() -> AuditHead:
    if connection.vendor == "sqlite":
        AuditHead.objects.filter(pk=1).update(seq=F("seq"))
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    try:
        # The first append ever: two writers may race to create the head; one wins.
        with transaction.atomic():
            return AuditHead.objects.create(pk=1, seq=0, hash=GENESIS)
    except IntegrityError:
        return AuditHead.objects.select_for_update().get(pk=1)


# ----------------------------------------------------------------------------- verification


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
                return _broken(count, prev, expected_seq,
                               f"found entry {seq} where entry {expected_seq} should be: "
                               f"entry {expected_seq} is missing here (deleted or moved)")
            return _broken(count, prev, expected_seq,
                           f"found entry {seq} where entry {expected_seq} should be (inserted or reordered)")
        if entry.get("prev_hash") != prev:
            return _broken(count, prev, seq, "does not follow the entry before it (inserted, reordered or "
                                             "the entry before was rewritten)")
        if entry_hash(entry) != entry.get("hash"):
            return _broken(count, prev, seq, "its content does not match its hash (edited)")
        prev, expected_seq, count = entry["hash"], expected_seq + 1, count + 1
    return Verification(True, count, expected_seq - 1, prev)


def _broken(count: int, prev: str, seq: int, problem: str) -> Verification:
    return Verification(False, count, seq - 1, prev, broken_seq=seq, problem=problem)


def live_entries(batch: int = 2000) -> Iterator[dict[str, Any]]:
    """The stored chain in sequence order, read in batches (no full load into memory)."""
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        for row in rows:
            yield as_dict(row)
        last = rows[-1].seq


def verify() -> Verification:
    """Check the live log: the chain itself, its recorded head, and every stored checkpoint."""
    result = verify_entries(live_entries())
    if not result.intact:
        return result
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (result.head_seq, result.head_hash):
        if head.seq > result.head_seq:
            return _broken(result.entries, result.head_hash, result.head_seq + 1,
                           f"the log should run to entry {head.seq} but ends at {result.head_seq} (deleted)")
        return _broken(result.entries, result.head_hash, head.seq + 1,
                       "entries after the recorded head were added outside the log")
    for cp in Checkpoint.objects.order_by("seq"):
        if cp.seq > result.head_seq:
            return _broken(result.entries, result.head_hash, result.head_seq + 1,
                           f"signed checkpoint {cp.seq} is beyond the end of the log (deleted)")
        signed = AuditEntry.objects.filter(seq=cp.seq).values_list("hash", flat=True).first()
        if signed != cp.hash:
            return _broken(result.entries, result.head_hash, cp.seq,
                           "does not match the hash signed in a checkpoint (rewritten)")
    return result


# ----------------------------------------------------------------------------- export


def export(out: Path | str) -> int:
    """Write the log as JSON lines (one entry a line, with hash and previous hash); return the count."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    count = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for entry in live_entries():
            handle.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    tmp.replace(out)  # never leave a half-written export under the real name
    return count


def read_export(path: Path | str) -> Iterator[dict[str, Any]]:
    """The entries of an export file, in file order; a malformed line is named."""
    path = Path(path)
    if not path.is_file():
        raise UnusableInput("audit export not found", file=path)
    with open(path, encoding="utf-8") as handle:
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


# ----------------------------------------------------------------------------- checkpoints

KEY_FILE = "audit-signing-ed25519.pem"
PUBLIC_KEY_FILE = "audit-signing-ed25519.pub"


def keys_dir() -> Path:
    """Where the deployment's signing key lives: ``<state>/keys``."""
    return Path(settings.STATE_DIR) / "keys"


def signing_key() -> Ed25519PrivateKey:
    """The deployment's Ed25519 signing key, made on first use (readable by the owner only)."""
    folder = keys_dir()
    private = folder / KEY_FILE
    if private.exists():
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KinsightError(f"{private}: not an Ed25519 private key")
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    private.touch(mode=0o600)
    private.write_bytes(pem)
    (folder / PUBLIC_KEY_FILE).write_text(_public_hex(key.public_key()) + "\n", encoding="ascii")
    return key


def _public_hex(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _statement(seq: int, hash_: str, signed_at: str) -> bytes:
    return json.dumps({"log": "kinsight-audit", "seq": seq, "hash": hash_, "signed_at": signed_at},
                      sort_keys=True, separators=(",", ":")).encode()


def checkpoint(*, actor: str = "kinsight", out: Path | str | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """Sign the chain's current head, store it, optionally write it to a file; return it.

    The checkpoint itself is recorded in the log afterwards, so the log shows when
    each checkpoint was taken.
    """
    key = signing_key()
    signed_at = _timestamp(now or timezone.now())
    with transaction.atomic():
        head = _lock_head()
        signature = key.sign(_statement(head.seq, head.hash, signed_at))
        document = {
            "log": "kinsight-audit", "seq": head.seq, "hash": head.hash, "signed_at": signed_at,
            "public_key": _public_hex(key.public_key()), "signature": signature.hex(),
        }
        Checkpoint.objects.create(seq=head.seq, hash=head.hash, signed_at=datetime.fromisoformat(signed_at),
                                  signature=signature.hex(), public_key=document["public_key"])
    record(actor=actor, action="audit.checkpoint", target="audit", outcome="signed",
           details={"seq": head.seq, "hash": head.hash})
    if out is not None:
        Path(out).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


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
                      _statement(document["seq"], document["hash"], document["signed_at"]))
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
        return _broken(result.entries, result.head_hash, signed_seq, problem)
    return result

