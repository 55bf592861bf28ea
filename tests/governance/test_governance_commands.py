"""The governance commands as a DPO and a partner use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kinsight.cli import main
from kinsight.governance import audit

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def kinsight(monkeypatch, capsys, deployment_config, state_dir):
    """Run ``kinsight ARGS --config <the small deployment>`` in-process; return (exit code, out, err)."""

    def run(*args, config=True):
        argv = ["kinsight", *args, *(["--config", str(deployment_config)] if config else [])]
        monkeypatch.setattr(sys, "argv", argv)
        monkeypatch.setenv("KINSIGHT_USER", "dpo.jones")
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code or 0
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_agreements_are_loaded_activated_listed_shown_and_suspended(kinsight):
    assert kinsight("agreements", "load", "--all-templates")[0] == 0
    code, out, _ = kinsight("agreements", "activate", "early-help")
    assert code == 0 and "early-help@v1 is now active" in out
    code, out, _ = kinsight("agreements", "list")
    assert "early-help" in out and "active" in out and "draft" in out
    code, out, _ = kinsight("agreements", "show", "early-help")
    assert code == 0 and "youth-worker-attendance" in out
    code, out, _ = kinsight("agreements", "suspend", "early-help", "--reason", "Breach under investigation")
    assert code == 0 and "suspended" in out


def test_an_impossible_status_change_is_one_clear_line_and_exit_2(kinsight):
    kinsight("agreements", "load", "--template", "research")
    code, out, err = kinsight("agreements", "suspend", "research", "--reason", "x")
    assert code == 2
    assert "research v1 is draft; it cannot become suspended" in err
    assert "Traceback" not in err + out


def test_a_bad_agreement_file_names_file_and_field(kinsight, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    code, _, err = kinsight("agreements", "load", str(bad))
    assert code == 2 and "bad.yaml" in err and "field (top level)" in err


def test_audit_export_verify_and_checkpoint_round_trip(kinsight, tmp_path, state_dir):
    kinsight("agreements", "load", "--all-templates")
    export, checkpoint = tmp_path / "audit.jsonl", tmp_path / "checkpoint.json"
    assert kinsight("audit", "checkpoint", "--out", str(checkpoint))[0] == 0
    code, out, _ = kinsight("audit", "export", "--out", str(export))
    assert code == 0 and "wrote 5 entries" in out
    code, out, _ = kinsight("audit", "verify")
    assert code == 0 and "intact" in out
    public_key = state_dir / "keys" / audit.PUBLIC_KEY_FILE
    code, out, _ = kinsight("audit", "verify", "--file", str(export), "--checkpoint", str(checkpoint),
                            "--public-key", str(public_key), config=False)
    assert code == 0 and "signature good" in out

    lines = export.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["actor"] = "someone else"
    lines[1] = json.dumps(entry)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = kinsight("audit", "verify", "--file", str(export), config=False)
    assert code == 1 and "broken at entry 2" in err


def test_sar_writes_the_pack_and_refuses_an_unknown_child_clearly(kinsight, tmp_path):
    code, out, _ = kinsight("sar", "school_census:SCH-1", "--out", str(tmp_path / "pack"))
    assert code == 0 and "4 records about P0000000001" in out
    assert (tmp_path / "pack" / "sar.json").is_file() and (tmp_path / "pack" / "sar.html").is_file()
    code, _, err = kinsight("sar", "P0000000099", "--out", str(tmp_path / "other"))
    assert code == 2 and "no records are held about P0000000099" in err
    assert not (tmp_path / "other").exists()


def test_a_challenge_is_raised_listed_and_resolved_into_a_cannot_link(kinsight, deployment_config):
    code, out, _ = kinsight("challenge", "raise", "P0000000001", "--record", "school_census:SCH-1",
                            "--other", "health_visiting:HV-77", "--statement", "Not my record")
    assert code == 0 and "(link)" in out
    reference = out.split()[1]
    assert reference in kinsight("challenge", "list")[1]
    code, out, _ = kinsight("challenge", "resolve", reference, "--decision", "unlink", "--reason", "Checked")
    assert code == 0 and "unlinked" in out


def test_retention_run_reports_what_it_would_purge(kinsight):
    kinsight("agreements", "load", "--all-templates")
    code, out, _ = kinsight("retention", "run", "--dry-run", "--today", "2038-01-01")
    assert code == 0 and "would purge 1 record(s) from school_census" in out
    assert kinsight("retention", "run", "--today", "1 Jan")[0] == 2


@pytest.mark.slow
def test_the_installed_command_sets_up_a_new_deployment_control_plane(deployment_config):
    """The real entry point, in a fresh process: control.sqlite3 in the warehouse, migrated on first use."""
    env = {k: v for k, v in os.environ.items() if k not in ("KINSIGHT_DATABASE_URL", "KINSIGHT_STATE_DIR")}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "kinsight", *args, "--config", str(deployment_config)],
                              capture_output=True, text=True, env=env, check=False)

    assert run("agreements", "load", "--template", "early-help").returncode == 0
    assert (deployment_config.parent / "warehouse" / "control.sqlite3").is_file()
    verified = run("audit", "verify")
    assert verified.returncode == 0 and "intact: 1 entries" in verified.stdout
