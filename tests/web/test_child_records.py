"""Reading one child's records: found through the per-snapshot person index, decided before they
are read, only permitted columns read, and the whole view audited as one read."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from django.utils import timezone
from warehouse_fixture import CHILD, OTHER_CHILD

from kinsight.analysis.dummy import create_warehouse
from kinsight.governance import audit, policy
from kinsight.governance.models import AuditEntry
from kinsight.web.access import Actor
from kinsight.web.children import records

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LINEAGE = {"source": "case_notes", "file": "notes.csv", "load_id": "L3"}


@pytest.fixture
def snapshot(tmp_path):
    """Notes about two children in two sources, with a missing source and a null person_id."""
    notes = [
        {"person_id": CHILD, "note_date": date(2025, 6, 3), "author_role": "social worker",
         "note_text": "first visit", **LINEAGE, "record_id": "N1", "row_number": 1},
        {"person_id": OTHER_CHILD, "note_date": date(2025, 6, 4), "author_role": "social worker",
         "note_text": "not this child", **LINEAGE, "record_id": "N2", "row_number": 2},
        {"person_id": CHILD, "note_date": date(2025, 7, 1), "author_role": "social worker",
         "note_text": "second visit", **LINEAGE, "record_id": "N3", "row_number": 3},
        {"person_id": None, "note_date": date(2025, 7, 2), "author_role": "social worker",
         "note_text": "unlinked", **LINEAGE, "record_id": "N4", "row_number": 4},
    ]
    persons = [{"person_id": CHILD, "sex": "F", "dob": date(2015, 4, 7), "source": None, "record_id": "C1"}]
    path = create_warehouse(tmp_path / "s.duckdb", {"case_notes": notes, "persons": persons})
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


def test_the_index_finds_each_childs_rows_by_source_and_table_and_nobody_elses(snapshot):
    index = records.person_index(snapshot)
    found = index.locate(CHILD)
    assert set(found) == {"case_notes", "unknown"}  # a row with no source is still shown, as "unknown"
    assert len(found["case_notes"]["case_notes"]) == 2 and list(found["unknown"]) == ["persons"]
    assert list(index.locate(OTHER_CHILD)) == ["case_notes"]
    assert index.locate("P999999999Z") == {}
    assert records.exists(snapshot, CHILD) and not records.exists(snapshot, OTHER_CHILD)
    assert records.person_index(snapshot) is index  # built once per snapshot


def test_only_the_columns_asked_for_are_read_and_only_for_that_child(snapshot):
    index = records.person_index(snapshot)
    rowids = index.locate(CHILD)["case_notes"]["case_notes"]
    rows = records.read_rows(snapshot, CHILD, {"case_notes": (rowids, ("note_date", "record_id"))})
    assert sorted(r["record_id"] for r in rows["case_notes"].values()) == ["N1", "N3"]
    assert all(set(r) == {"note_date", "record_id"} for r in rows["case_notes"].values())
    # The person_id is checked again: another child's rowids give nothing.
    other = index.locate(OTHER_CHILD)["case_notes"]["case_notes"]
    assert records.read_rows(snapshot, CHILD, {"case_notes": (other, ("note_text",))}) == {}


def test_a_view_decides_every_source_in_one_audited_read(snapshot, starter_agreements):
    policy.add_relationship(user="sam", person_id=CHILD, start=timezone.localdate(), actor="manager")
    before = AuditEntry.objects.filter(action="access.person").count()
    views = {v.source: v for v in records.child_view(snapshot, Actor("sam", "social_worker", "la"), CHILD,
                                                      "safeguarding")}
    notes = views["case_notes"]
    assert notes.allowed and [r["facts"]["note_text"] for r in notes.tables["case_notes"]] == [
        "first visit", "second visit"]
    assert not views["unknown"].allowed  # no agreement shares a source nobody named
    assert AuditEntry.objects.filter(action="access.person").count() == before + 1
    entry = AuditEntry.objects.filter(action="access.person").latest("seq")
    assert {d["dataset"]: d["outcome"] for d in entry.details["decisions"]} == {
        "case_notes": "allow", "unknown": "deny"}
    assert audit.verify().intact


def test_a_refused_source_is_not_read_at_all(snapshot, starter_agreements, monkeypatch):
    read = []
    monkeypatch.setattr(records, "read_rows", lambda con, pid, wanted: read.append(wanted) or {})
    views = records.child_view(snapshot, Actor("sam", "social_worker", "la"), CHILD, "safeguarding")
    assert not any(v.allowed for v in views) and read == [{}]
    assert AuditEntry.objects.filter(action="access.person", target=CHILD, outcome="deny").count() == 1

