"""The kinsight command as a user meets it."""

import subprocess
import sys


def run_kinsight(*args):
    return subprocess.run(
        [sys.executable, "-m", "kinsight", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_the_commands():
    result = run_kinsight("--help")
    assert result.returncode == 0
    assert "kinsight" in result.stdout.lower()
