"""`kinsight synth` then `kinsight run`: the synthetic LA becomes a linked warehouse, then a month passes.

This is the main job of issue 4 with the real readers, validators and child index,
checked against the synthetic LA's truth files (which production never reads).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from kinsight.core.config import load_config
from kinsight.store import Warehouse, open_snapshot, run_pipeline
from kinsight.store.model import LINEAGE, tables

pytestmark = pytest.mark.slow

CHILDREN = 5000


@pytest.fixture(scope="module")
def la(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic") / "la"
    subprocess.run([sys.executable, "-m", "kinsight", "synth", "--out", str(folder), "--children",
                    str(CHILDREN), "--seed", "7"], check=True, capture_output=True)
    config = load_config(folder / "kinsight.toml")
    first = run_pipeline(config)
    first_records = _records(open_snapshot(config))
    updates = sorted((folder / "updates").glob("*/partners/*/*"))
    for update in updates:
        shutil.copy(update, folder / "partners" / update.parent.name / update.name)
    second = run_pipeline(config)
    return folder, config, first, first_records, second, updates


def _records(con) -> dict[tuple[str, str], str]:
    return {(s, r): p for s, r, p in con.execute("SELECT source, record_id, person_id FROM source_records").fetchall()}


def test_every_source_of_the_synthetic_la_lands_with_lineage_on_every_row(la):
    _, config, first, *_ = la
    assert all(s["rows"] > 0 for s in first["sources"])
    assert {"ssda903", "cin_census"} <= set(first["validation"])
    assert "skipped" not in first["linkage"]
    con = open_snapshot(config, first["snapshot_id"])
    for table in tables().values():
        if not table.has_lineage or not table.feeds:
            continue
        lost = con.execute(f'SELECT count(*) FROM "{table.name}" WHERE '
                           + " OR ".join(f'"{c}" IS NULL' for c in LINEAGE if c != "person_id")).fetchone()[0]
        assert lost == 0, table.name
    for name in ("asq_reviews", "education", "referrals", "contacts", "case_notes", "voice", "youth_justice"):
        rows, linked = con.execute(f"SELECT count(*), count(person_id) FROM {name}").fetchone()
        assert rows > 0 and linked == rows, name


def test_persons_are_the_true_children_with_their_small_areas(la):
    folder, config, first, *_ = la
    con = open_snapshot(config, first["snapshot_id"])
    truth = duckdb.connect().execute("SELECT source, record_id, child_id FROM read_csv(?, all_varchar = true)",
                                     [str(folder / "truth/records.csv")]).fetchall()
    records = _records(con)
    truth_of = {(s, r): c for s, r, c in truth}
    children_per_person: dict[str, set] = {}
    for key, person in records.items():
        children_per_person.setdefault(person, set()).add(truth_of[key])
    merged = sum(len(c) > 1 for c in children_per_person.values())
    true_children = len({truth_of[k] for k in records})
    assert merged / len(children_per_person) < 0.01
    assert abs(len(children_per_person) - true_children) / true_children < 0.05
    placed = con.execute("SELECT count(lsoa11) / count(*) FROM persons").fetchone()[0]
    assert placed > 0.9


def test_a_monthly_refresh_reads_only_the_new_extracts_and_keeps_person_ids(la):
    _, config, first, first_records, second, updates = la
    assert updates
    reused = sum(s["files_reused"] for s in second["sources"])
    files = sum(s["files"] for s in second["sources"])
    assert files - reused == len(updates)
    new_rows = sum(len(u.read_text("utf-8").splitlines()) - 1 for u in updates)  # less each header
    assert second["linkage"]["new"] == new_rows
    assert second["linkage"]["unchanged"] == first["linkage"]["records"]
    again = _records(open_snapshot(config))
    moved = [k for k, person in first_records.items() if again[k] != person]
    assert len(moved) / len(first_records) < 0.005
    assert Warehouse.of(config).current_id() == second["snapshot_id"]
