"""`kinsight run`: from a folder of partner extracts to a published, linked warehouse snapshot."""

from __future__ import annotations

import json

import duckdb
import pytest
from pipeline_fixtures import HV_APRIL, write

from kinsight.core.config import load_config
from kinsight.store import Warehouse, open_snapshot, run_pipeline
from kinsight.store.model import LINEAGE, tables


def test_a_run_publishes_a_snapshot_with_every_source_and_makes_it_current(deployment):
    config = load_config(deployment)
    summary = run_pipeline(config)

    warehouse = Warehouse.of(config)
    assert warehouse.current_id() == summary["snapshot_id"]
    snapshot = warehouse.snapshot()
    assert snapshot.path.name == f"{summary['snapshot_id']}.duckdb"
    assert json.loads(snapshot.summary_path.read_text()) == json.loads(json.dumps(summary, default=str))
    assert [s["name"] for s in summary["sources"]] == [s.name for s in config.sources]
    con = open_snapshot(config)
    assert con.execute("SELECT count(*) FROM asq_reviews").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM homelessness").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM youth_justice").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2
    assert con.execute("SELECT start_date::VARCHAR FROM early_help").fetchall() == [("2025-01-05",)]


def test_every_table_has_the_contracted_columns_and_every_fact_row_its_lineage(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    con = open_snapshot(config)
    for table in tables().values():
        columns = [row[0] for row in con.execute(f'DESCRIBE "{table.name}"').fetchall()]
        assert columns == list(table.all_columns()), table.name
        if table.has_lineage and table.name != "relationships":
            missing = con.execute(
                f'SELECT count(*) FROM "{table.name}" WHERE '
                + " OR ".join(f'"{c}" IS NULL' for c in LINEAGE if c != "person_id")
            ).fetchone()[0]
            assert missing == 0, table.name
    unlinked = con.execute("SELECT count(*) FROM asq_reviews WHERE person_id IS NULL").fetchone()[0]
    assert unlinked == 0


def test_values_are_typed_and_codes_keep_their_declared_spelling(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    con = open_snapshot(config)
    assert con.execute("SELECT DISTINCT duty, temporary_accommodation FROM homelessness").fetchall() == [
        ("relief", True)]
    rows = con.execute("""SELECT record_id, review_date::VARCHAR, personal_social FROM asq_reviews
                          ORDER BY record_id""").fetchall()
    # HV1's unreadable ASQ score and HV2's impossible date are blanked, not fatal.
    assert rows == [("HV1", "2021-06-01", None), ("HV2", None, 60), ("HV3", "2021-09-01", 30)]


def test_the_summary_counts_rows_rejected_and_cells_blanked_with_reasons(deployment):
    summary = run_pipeline(load_config(deployment))
    health = next(s for s in summary["sources"] if s["name"] == "health_visiting")
    assert health["rows"] == 4
    assert health["rejected"] == 1
    assert health["rejected_by_reason"] == {"record id already used": 1}
    blanked = {(c["field"], c["problem"]): c["count"] for c in health["cells_blanked"]}
    assert blanked[("REVIEW_DATE", "not a date")] == 1
    assert blanked[("ASQ_PERSONAL_SOCIAL", "not a whole number from 0 to 60")] == 1
    rejected = [r for r in summary["rejected_rows"] if r["source"] == "health_visiting"]
    assert {r["row_number"] for r in rejected} == {2}
    assert all(r["file"].endswith("health_visiting_2025-04.csv") for r in rejected)
    assert set(summary["timings"]) == {"ingest", "validate", "link", "build", "publish"}


def test_persons_take_each_attribute_from_the_most_trusted_linked_record(deployment):
    config = load_config(deployment)
    summary = run_pipeline(config)
    assert summary["linkage"]["records"] > 0
    con = open_snapshot(config)
    amira = con.execute("""SELECT p.sex, p.dob::VARCHAR, p.ethnicity, p.postcode, p.la_child_id, p.source
                           FROM persons p JOIN source_records s USING (person_id)
                           WHERE s.source = 'health_visiting' AND s.record_id = 'HV1'""").fetchone()
    assert amira == ("F", "2019-04-03", "APKN", "SW1A 1AA", "C001", "social_care_persons")
    # An ethnicity outside the DfE list is blanked, so it cannot reach the persons table.
    ruby = con.execute("SELECT ethnicity FROM persons WHERE la_child_id = 'C003'").fetchone()
    assert ruby == (None,)
    kinds = dict(con.execute("SELECT kind, count(*) FROM identifiers GROUP BY kind").fetchall())
    assert kinds["nhs_number"] >= 4 and kinds["la_child_id"] >= 3


def test_children_in_one_homelessness_case_are_related_as_one_household(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    con = open_snapshot(config)
    pairs = con.execute("""SELECT count(*), min(relationship) FROM relationships
                           WHERE source = 'homelessness'""").fetchone()
    assert pairs == (2, "same household")


def test_open_snapshot_is_read_only(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    con = open_snapshot(config)
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM asq_reviews")


def test_a_monthly_refresh_reads_only_the_new_extract_and_keeps_earlier_snapshots(deployment):
    config = load_config(deployment)
    first = run_pipeline(config)
    folder = deployment.parent / "partners/health_visiting"
    write(folder / "health_visiting_2025-05.csv", HV_APRIL.splitlines()[0] + "\n"
          "HV4,9990000069,Mia,White,2019-08-08,Female,SW1A 6AA,2021-11-01,27,27,50,50,50,50,50\n")
    second = run_pipeline(config)

    health = next(s for s in second["sources"] if s["name"] == "health_visiting")
    assert (health["files"], health["files_reused"]) == (3, 2)
    assert all(s["files"] == s["files_reused"] for s in second["sources"] if s["name"] != "health_visiting")
    warehouse = Warehouse.of(config)
    assert [s.snapshot_id for s in warehouse.snapshots()] == [first["snapshot_id"], second["snapshot_id"]]
    assert warehouse.current_id() == second["snapshot_id"]
    assert open_snapshot(config).execute("SELECT count(*) FROM asq_reviews").fetchone()[0] == 4
    assert open_snapshot(config, first["snapshot_id"]).execute(
        "SELECT count(*) FROM asq_reviews").fetchone()[0] == 3


def test_a_replaced_extract_is_read_again_and_its_old_cache_entry_removed(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    path = deployment.parent / "partners/homelessness/homelessness_2025-03.csv"
    path.write_text(path.read_text().replace("eviction", "family evicted"))
    summary = run_pipeline(config)
    homelessness = next(s for s in summary["sources"] if s["name"] == "homelessness")
    assert homelessness["files_reused"] == 0
    assert summary["cache_entries_removed"] == 1
    assert len(list((Warehouse.of(config).cache_dir / "homelessness").iterdir())) == 1
    assert open_snapshot(config).execute("SELECT DISTINCT reason FROM homelessness").fetchall() == [
        ("family evicted",)]


def test_an_unchanged_file_keeps_its_load_id_across_runs(deployment):
    config = load_config(deployment)
    run_pipeline(config)
    first = open_snapshot(config).execute("SELECT load_id, file FROM loads ORDER BY file").fetchall()
    run_pipeline(config)
    assert open_snapshot(config).execute("SELECT load_id, file FROM loads ORDER BY file").fetchall() == first


def test_retention_keeps_the_newest_snapshots(deployment):
    config = load_config(deployment)  # keep_snapshots = 3
    ids = [run_pipeline(config)["snapshot_id"] for _ in range(4)]
    assert [s.snapshot_id for s in Warehouse.of(config).snapshots()] == ids[1:]
