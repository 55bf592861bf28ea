"""The pipeline commands as an operator uses them."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from kinsight.cli import app

runner = CliRunner()


def kinsight(*args):
    """In-process, so the tests' child index applies; see test_errors_* for the real entry point."""
    return runner.invoke(app, list(args))


def test_run_then_list_show_and_current(deployment):
    config = str(deployment)
    ran = kinsight("run", "--config", config)
    assert ran.exit_code == 0, ran.output
    assert "health_visiting" in ran.output and "is current" in ran.output

    current = kinsight("snapshots", "current", "--config", config)
    assert current.exit_code == 0
    snapshot_id, path = current.output.strip().split("\t")
    assert path.endswith(f"{snapshot_id}.duckdb")

    listed = kinsight("snapshots", "list", "--config", config)
    assert snapshot_id in listed.output

    shown = kinsight("snapshots", "show", snapshot_id, "--config", config)
    assert json.loads(shown.output)["snapshot_id"] == snapshot_id


def test_an_operator_can_roll_back_to_an_earlier_snapshot(deployment):
    config = str(deployment)
    kinsight("run", "--config", config)
    first = kinsight("snapshots", "current", "--config", config).output.split("\t")[0]
    kinsight("run", "--config", config)
    assert kinsight("snapshots", "current", "--config", config).output.split("\t")[0] != first
    used = kinsight("snapshots", "use", first, "--config", config)
    assert used.exit_code == 0 and first in used.output
    assert kinsight("snapshots", "current", "--config", config).output.split("\t")[0] == first


def test_run_reads_kinsight_toml_in_the_current_folder_by_default(deployment, monkeypatch):
    monkeypatch.chdir(deployment.parent)
    ran = kinsight("run")
    assert ran.exit_code == 0, ran.output


def test_listing_before_any_run_says_what_to_do(deployment):
    listed = kinsight("snapshots", "list", "--config", str(deployment))
    assert listed.exit_code == 0 and "No snapshots yet" in listed.output


def test_errors_are_one_line_with_exit_code_2(deployment):
    for args, expected in [
        (["snapshots", "current"], "run `kinsight run` first"),
        (["snapshots", "show", "20990101T000000Z"], "no snapshot 20990101T000000Z"),
    ]:
        result = subprocess.run([sys.executable, "-m", "kinsight", *args, "--config", str(deployment)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 2
        assert expected in result.stderr and "Traceback" not in result.stderr
