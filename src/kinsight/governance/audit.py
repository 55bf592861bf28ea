"""The tamper-evident audit log: an append-only hash chain with signed checkpoints.

Every decision and every person-level read is appended by :func:`record`. Each
entry's hash covers a canonical JSON of the entry including the previous entry's
hash, so editing, deleting, inserting or reordering an entry breaks the chain at
that point and :func:`verify` names it. The chain's head is also kept in a
separate row (which serialises writers) and periodically signed with Ed25519
(:func:`checkpoint`): a partner holding a checkpoint and the public key can prove
offline that a later export still contains what was signed, so even rewriting the
whole tail is detected.

Entries name people only by ``person_id`` and never carry row-level data. The
chain's format and the offline checks live in :mod:`kinsight.governance.chain`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timezone as dt_timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.governance import chain
from kinsight.governance.chain import GENESIS, Verification, broken, entry_hash, verify_entries
from kinsight.governance.models import AuditEntry, AuditHead, Checkpoint


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


def entries_about(target: str) -> list[AuditEntry]:
    """Every entry about one person (``person_id``) or object, oldest first: "who looked, and why"."""
    return list(AuditEntry.objects.filter(target=target).order_by("seq"))


def search(*, searcher: str, role: str, target: str = "", actor: str = "", action: str = "", outcome: str = "",
           date_from: date | None = None, date_to: date | None = None, limit: int = 200) -> list[AuditEntry]:
    """Entries matching every term given, newest first; the search is itself recorded.

    Searching the log is a use of it: the searcher, their role and the terms (not
    the results) are appended before the answer is returned.
    """
    found = AuditEntry.objects.order_by("-seq")
    terms = {"target": target, "actor": actor, "action": action, "outcome": outcome}
    for field, value in terms.items():
        if value:
            found = found.filter(**{field: value.strip()})
    if date_from:
        found = found.filter(at__date__gte=date_from)
    if date_to:
        found = found.filter(at__date__lte=date_to)
    record(actor=searcher, role=role, purpose="subject_access", action="audit.search", outcome="shown",
           details={k: str(v) for k, v in {**terms, "date_from": date_from, "date_to": date_to}.items() if v})
    return list(found[:limit])


def verify() -> Verification:
    """Check the live log: the chain itself, its recorded head, and every stored checkpoint."""
    result = verify_entries(live_entries())
    if not result.intact:
        return result
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (result.head_seq, result.head_hash):
        if head.seq > result.head_seq:
            return broken(result.entries, result.head_hash, result.head_seq + 1,
                           f"the log should run to entry {head.seq} but ends at {result.head_seq} (deleted)")
        return broken(result.entries, result.head_hash, head.seq + 1,
                       "entries after the recorded head were added outside the log")
    for cp in Checkpoint.objects.order_by("seq"):
        if cp.seq > result.head_seq:
            return broken(result.entries, result.head_hash, result.head_seq + 1,
                           f"signed checkpoint {cp.seq} is beyond the end of the log (deleted)")
        signed = AuditEntry.objects.filter(seq=cp.seq).values_list("hash", flat=True).first()
        if signed != cp.hash:
            return broken(result.entries, result.head_hash, cp.seq,
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
        signature = key.sign(chain.statement(head.seq, head.hash, signed_at))
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


