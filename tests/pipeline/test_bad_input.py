"""A run that meets unusable input stops with one clear message and leaves the warehouse as it was."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from pipeline_fixtures import write

from kinsight.core.config import load_config
from kinsight.core.errors import KinsightError
from kinsight.store import Warehouse, run_pipeline


def break_missing_folder(root):
    shutil.rmtree(root / "partners/homelessness")


def break_wrong_format(root):
    # A workbook saved with a .csv name in a csv source's folder.
    shutil.copy(root / "partners/youth_justice/youth_justice_2025-03.xlsx",
                root / "partners/homelessness/homelessness_2025-04.csv")


def break_mapping(root):
    text = (root / "kinsight.toml").read_text().replace('nhs_number = "NHS_NO"', 'nhs_number = "NHS_NUMBER"')
    (root / "kinsight.toml").write_text(text)


def break_xlsx(root):
    path = root / "partners/youth_justice/youth_justice_2025-03.xlsx"
    path.write_bytes(path.read_bytes()[:300])


def break_annex_a(root):
    path = root / "returns/annex_a/annex_a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")


CASES = {
    "source folder missing": (break_missing_folder, ["homelessness", "partners/homelessness", "not found"]),
    "file in the wrong format": (break_wrong_format, ["homelessness", "homelessness_2025-04.csv",
                                                       "spreadsheet, not a CSV"]),
    "mapping names an absent column": (break_mapping, ["health_visiting", "health_visiting_2025-03.csv",
                                                       "field NHS_NUMBER", "missing column(s) NHS_NUMBER"]),
    "corrupt xlsx": (break_xlsx, ["youth_justice", "youth_justice_2025-03.xlsx", "not a readable xlsx"]),
    "corrupt Annex A": (break_annex_a, ["annex_a", "annex_a.xlsx", "not a readable xlsx"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_stops_the_run_naming_source_file_and_field_and_keeps_the_current_snapshot(deployment, case):
    config = load_config(deployment)
    good = run_pipeline(config)
    breaker, expected = CASES[case]
    breaker(deployment.parent)

    with pytest.raises(KinsightError) as raised:
        run_pipeline(load_config(deployment))

    message = str(raised.value)
    assert message.startswith(f"source {expected[0]}:")
    for part in expected[1:]:
        assert part in message
    warehouse = Warehouse.of(config)
    assert warehouse.current_id() == good["snapshot_id"]
    assert [s.snapshot_id for s in warehouse.snapshots()] == [good["snapshot_id"]]
    assert sorted(p.name for p in warehouse.snapshots_dir.iterdir()) == [
        f"{good['snapshot_id']}.duckdb", f"{good['snapshot_id']}.json"]


def test_a_failure_while_building_leaves_no_partial_snapshot(deployment, monkeypatch):
    config = load_config(deployment)
    good = run_pipeline(config)

    def fail(*args, **kwargs):
        raise KinsightError("disk full")

    monkeypatch.setattr("kinsight.store.run.build_snapshot", fail)
    with pytest.raises(KinsightError, match="disk full"):
        run_pipeline(config)
    warehouse = Warehouse.of(config)
    assert warehouse.current_id() == good["snapshot_id"]
    assert len(list(warehouse.snapshots_dir.iterdir())) == 2


def test_a_record_without_an_id_stops_the_run_naming_file_row_and_field(deployment, monkeypatch):
    monkeypatch.undo()  # the real person records reader: it refuses a record it cannot name
    folder = deployment.parent / "partners/health_visiting"
    text = (folder / "health_visiting_2025-03.csv").read_text("cp1252")
    (folder / "health_visiting_2025-03.csv").write_text(text.replace("HV2,", ",", 1), "cp1252")
    with pytest.raises(KinsightError) as raised:
        run_pipeline(load_config(deployment))
    message = str(raised.value)
    assert message.startswith("source health_visiting:")
    assert "health_visiting_2025-03.csv, row 2, field HV_ID" in message
    assert message.count("source health_visiting") == 1


def test_an_unknown_source_without_a_declared_schema_is_named(deployment):
    text = deployment.read_text().replace('name = "homelessness"', 'name = "housing"')
    deployment.write_text(text)
    with pytest.raises(KinsightError, match=r"source housing: no schema is declared for source 'housing'"):
        run_pipeline(load_config(deployment))


def test_the_command_line_reports_bad_input_in_one_line_with_exit_code_2(deployment):
    break_xlsx(deployment.parent)
    result = subprocess.run([sys.executable, "-m", "kinsight", "run", "--config", str(deployment)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "youth_justice_2025-03.xlsx" in result.stderr


def test_a_clean_first_run_then_a_broken_one_from_a_cached_state(deployment):
    # Files read in the first run are taken from the cache; a file broken since is
    # a new file (its hash changed) and is read, and reported, again.
    config = load_config(deployment)
    run_pipeline(config)
    write(deployment.parent / "partners/social_care_persons/persons_2025-03.csv", "CHILD_ID,NHS_NUMBER\n")
    with pytest.raises(KinsightError, match="social_care_persons: .*missing column"):
        run_pipeline(config)
