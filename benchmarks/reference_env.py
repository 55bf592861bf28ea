"""The reference validators' own virtual environment, created on first use.

csc-validator-be-903 pins pandas below 2 and runs on Python 3.11 only, so it lives in
``benchmarks/out/ref-venv`` and is never a Kinsight dependency.
"""

import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"
VENV = OUT / "ref-venv"
PYTHON = VENV / "bin" / "python"


def reference_python() -> Path:
    """The reference venv's Python, installing csc-validator-be-903 there if needed."""
    if not PYTHON.exists():
        interpreter = shutil.which("python3.11")
        if interpreter is None:
            sys.exit("python3.11 is needed to run the reference validator (it pins pandas<2)")
        subprocess.run([interpreter, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "csc-validator-be-903"], check=True)
    return PYTHON
