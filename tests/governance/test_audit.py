"""The audit log: hash-chained, append-only, tamper-evident, with signed checkpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.governance import audit, chain
from kinsight.governance.models import AuditEntry

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def append(n, start=0):
    for i in range(start, start + n):
        audit.record(actor=f"user{i % 3}", role="analyst", purpose="service_planning",
                     agreement="performance-reporting@v1", action="access.aggregate",
                     target="dataset:school_census", outcome="allow", details={"rows": i},
                     at=NOW + timedelta(seconds=i))


def test_entries_form_a_chain_each_hash_covering_the_entry_and_the_one_before():
    append(3)
    entries = [audit.as_dict(e) for e in AuditEntry.objects.order_by("seq")]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == chain.GENESIS
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert all(chain.entry_hash(e) == e["hash"] for e in entries)
    assert audit.verify().describe().startswith("audit log intact: 3 entries")


def test_searching_the_log_finds_matching_entries_and_records_the_search():
    append(4)
    audit.record(actor="sw.patel", action="access.person", target="P0000000001", outcome="allow")
    found = audit.search(searcher="dpo.jones", role="dpo", target="P0000000001")
    assert [(e.actor, e.target) for e in found] == [("sw.patel", "P0000000001")]
    assert len(audit.search(searcher="dpo.jones", role="dpo", action="access.aggregate", limit=2)) == 2
    searches = AuditEntry.objects.filter(action="audit.search").order_by("seq")
    assert searches[0].details == {"target": "P0000000001"} and searches[0].actor == "dpo.jones"
    assert audit.verify().intact


def test_an_empty_log_is_intact():
    assert audit.verify().intact


def _shift_seq(seq, to):
    AuditEntry.objects.filter(seq=seq).update(seq=to)


TAMPERING = {
    "edited": (lambda: AuditEntry.objects.filter(seq=3).update(outcome="deny"), 3, "edited"),
    "edited details": (lambda: AuditEntry.objects.filter(seq=2).update(details={"rows": 999}), 2, "edited"),
    "deleted": (lambda: AuditEntry.objects.filter(seq=3).delete(), 3, "missing here (deleted"),
    "last deleted": (lambda: AuditEntry.objects.filter(seq=5).delete(), 5, "ends at 4 (deleted)"),
    "reordered": (lambda: (_shift_seq(3, 99), _shift_seq(4, 3), _shift_seq(99, 4)), 3, "does not follow"),
}


def test_on_postgresql_the_database_itself_refuses_to_edit_or_delete_an_entry():
    if connection.vendor != "postgresql":
        pytest.skip("the embedded SQLite database has no such guard (docs/governance.md)")
    from django.db import DatabaseError, transaction

    append(2)
    for change in (lambda: AuditEntry.objects.filter(seq=1).update(outcome="deny"),
                   lambda: AuditEntry.objects.filter(seq=2).delete()):
        with pytest.raises(DatabaseError, match="the audit log is append-only"), transaction.atomic():
            change()
    assert [e.outcome for e in AuditEntry.objects.order_by("seq")] == ["allow", "allow"]
    assert audit.verify().intact


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_with_the_live_log_is_detected_and_the_first_broken_entry_named(how, tamperer):
    append(5)
    tamper, broken, problem = TAMPERING[how]
    tamper()
    result = audit.verify()
    assert not result.intact
    assert result.broken_seq == broken
    assert problem in result.problem
    assert result.describe().startswith(f"audit log broken at entry {broken}")


def test_an_entry_inserted_into_the_middle_is_detected(tamperer):
    append(5)
    for seq in (5, 4):  # make room at 4, as a forger must
        _shift_seq(seq, seq + 1)
    previous = audit.as_dict(AuditEntry.objects.get(seq=3))
    forged = {**previous, "seq": 4, "actor": "nobody", "prev_hash": previous["hash"]}
    forged["hash"] = chain.entry_hash(forged)
    AuditEntry.objects.create(**{**forged, "at": AuditEntry.objects.get(seq=3).at})
    result = audit.verify()
    assert (result.intact, result.broken_seq) == (False, 5)
    assert "inserted" in result.problem


def test_an_entry_appended_behind_the_logs_back_is_detected():
    append(3)
    last = audit.as_dict(AuditEntry.objects.get(seq=3))
    extra = {**last, "seq": 4, "prev_hash": last["hash"]}
    extra["hash"] = chain.entry_hash(extra)
    AuditEntry.objects.create(**{**extra, "at": AuditEntry.objects.get(seq=3).at})
    result = audit.verify()
    assert (result.intact, result.broken_seq) == (False, 4)
    assert "outside the log" in result.problem


def export_lines(tmp_path):
    path = tmp_path / "audit.jsonl"
    audit.export(path)
    return path, path.read_text(encoding="utf-8").splitlines()


def rewrite(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_export_is_one_entry_a_line_with_hash_and_previous_hash(tmp_path):
    append(4)
    path, lines = export_lines(tmp_path)
    entries = [json.loads(line) for line in lines]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert set(chain.FIELDS) == set(entries[0])
    assert chain.verify_export(path).intact


def _edit(lines):
    entry = json.loads(lines[2])
    entry["target"] = "P9999999999"
    lines[2] = json.dumps(entry)


@pytest.mark.parametrize(
    "tamper, broken, problem",
    [
        (_edit, 3, "edited"),
        (lambda lines: lines.pop(2), 3, "entry 3 is missing here (deleted or moved)"),
        (lambda lines: lines.insert(2, lines[1]), 3, "inserted or reordered"),
        (lambda lines: lines.__setitem__(slice(2, 4), [lines[3], lines[2]]), 3, "missing here (deleted or moved)"),
    ],
    ids=["edited", "deleted", "inserted", "reordered"],
)
def test_tampering_with_an_export_is_detected_and_named(tmp_path, tamper, broken, problem):
    append(5)
    path, lines = export_lines(tmp_path)
    tamper(lines)
    rewrite(path, lines)
    result = chain.verify_export(path)
    assert (result.intact, result.broken_seq) == (False, broken)
    assert problem in result.problem


def test_an_export_saved_with_a_bom_or_empty_still_verifies(tmp_path):
    append(3)
    path, lines = export_lines(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert chain.verify_export(path).intact
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert chain.verify_export(empty).describe().startswith("audit log intact: 0 entries")


def test_a_malformed_export_names_the_line(tmp_path):
    append(2)
    path, lines = export_lines(tmp_path)
    lines[1] = "{not json"
    rewrite(path, lines)
    with pytest.raises(UnusableInput, match=r"audit.jsonl, row 2: not a JSON entry"):
        chain.verify_export(path)


def test_a_signed_checkpoint_lets_a_partner_detect_a_rewritten_tail_offline(tmp_path, state_dir):
    append(4)
    document = audit.checkpoint(out=tmp_path / "checkpoint.json")
    public_key = (state_dir / "keys" / audit.PUBLIC_KEY_FILE).read_text()
    assert oct((state_dir / "keys" / audit.KEY_FILE).stat().st_mode)[-3:] == "600"
    append(2, start=4)
    path, lines = export_lines(tmp_path)
    partner_copy = json.loads((tmp_path / "checkpoint.json").read_text())
    assert chain.verify_checkpoint(partner_copy, public_key, chain.read_export(path)).intact

    # Rewrite entry 3 onwards and re-chain every hash: the chain alone looks intact…
    entries = [json.loads(line) for line in lines]
    prev = entries[1]["hash"]
    for entry in entries[2:]:
        entry["actor"] = "someone else" if entry["seq"] == 3 else entry["actor"]
        entry["prev_hash"] = prev
        entry["hash"] = prev = chain.entry_hash(entry)
    rewrite(path, [json.dumps(e) for e in entries])
    assert chain.verify_export(path).intact
    # …but not against what was signed.
    result = chain.verify_checkpoint(partner_copy, public_key, chain.read_export(path))
    assert (result.intact, result.broken_seq) == (False, document["seq"])
    assert "rewritten" in result.problem


def test_a_checkpoint_with_a_bad_signature_or_the_wrong_key_is_refused(tmp_path, state_dir):
    append(2)
    document = audit.checkpoint()
    public_key = (state_dir / "keys" / audit.PUBLIC_KEY_FILE).read_text()
    with pytest.raises(KinsightError, match="signature is not valid"):
        chain.verify_checkpoint({**document, "seq": 1}, public_key)
    with pytest.raises(KinsightError, match="signature is not valid"):
        chain.verify_checkpoint(document, "00" * 32)


def test_the_live_log_is_checked_against_stored_checkpoints(state_dir, tamperer):
    append(3)
    audit.checkpoint()
    AuditEntry.objects.filter(seq__gt=1).delete()
    from kinsight.governance.models import AuditHead

    AuditHead.objects.update(seq=1, hash=AuditEntry.objects.get(seq=1).hash)
    result = audit.verify()
    assert not result.intact and "checkpoint" in result.problem


WRITER = """
import sys, time
from pathlib import Path
from kinsight.governance import runtime
runtime.setup(state_dir=Path(sys.argv[1]))
from kinsight.governance import audit, chain
count, writer, start = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))
for i in range(count):
    audit.record(actor=writer, action="test.append", outcome="ok", details={"i": i})
print(audit.verify().describe())
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_writers_produce_one_valid_chain(tmp_path):
    """Real concurrency: separate processes, each with its own database connection."""
    env = {k: v for k, v in os.environ.items() if k != "KINSIGHT_DATABASE_URL"}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["KINSIGHT_DATABASE_URL"] = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    state = tmp_path / "state"
    subprocess.run([sys.executable, "-c", WRITER, str(state), "0", "setup", "0"], env=env, check=True,
                   capture_output=True)
    writers, each = 4, 25
    start = time.time() + 2
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(state), str(each), f"w{w}", str(start)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(writers)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    final = subprocess.run([sys.executable, "-c", WRITER, str(state), "0", "check", "0"], env=env,
                           capture_output=True, text=True, check=True)
    assert final.stdout.strip().startswith(f"audit log intact: {writers * each} entries")
