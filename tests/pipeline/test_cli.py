"""The pipeline commands as an operator uses them."""

from __future__ import annotations

import json
import subprocess
import sys


def kinsight(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "kinsight", *args], capture_output=True, text=True,
                          check=False, cwd=cwd)


def test_run_then_list_show_and_current(deployment):
    config = str(deployment)
    ran = kinsight("run", "--config", config)
    assert ran.returncode == 0, ran.stderr
    assert "health_visiting" in ran.stdout and "is current" in ran.stdout

    current = kinsight("snapshots", "current", "--config", config)
    assert current.returncode == 0
    snapshot_id, path = current.stdout.strip().split("\t")
    assert path.endswith(f"{snapshot_id}.duckdb")

    listed = kinsight("snapshots", "list", "--config", config)
    assert snapshot_id in listed.stdout

    shown = kinsight("snapshots", "show", snapshot_id, "--config", config)
    assert json.loads(shown.stdout)["snapshot_id"] == snapshot_id


def test_run_reads_kinsight_toml_in_the_current_folder_by_default(deployment):
    ran = kinsight("run", cwd=deployment.parent)
    assert ran.returncode == 0, ran.stderr


def test_snapshot_commands_before_any_run_say_what_to_do(deployment):
    result = kinsight("snapshots", "current", "--config", str(deployment))
    assert result.returncode == 2
    assert "run `kinsight run` first" in result.stderr
    listed = kinsight("snapshots", "list", "--config", str(deployment))
    assert listed.returncode == 0 and "No snapshots yet" in listed.stdout


def test_showing_an_unknown_snapshot_is_a_clear_error(deployment):
    result = kinsight("snapshots", "show", "20990101T000000Z", "--config", str(deployment))
    assert result.returncode == 2
    assert "no snapshot 20990101T000000Z" in result.stderr
