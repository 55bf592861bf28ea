"""The reference validators' own virtual environment, created on first use.

csc-validator-be-903 and csc-validator-be-cin pin pandas below 2 and run on Python 3.11
only, so each lives in a venv under ``benchmarks/out/`` (``ref-venv``, ``ref-venv-cin``) and
is never a Kinsight dependency.
"""

import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"
# Not in git: a fresh clone has none until a benchmark first runs.
OUT.mkdir(exist_ok=True)
VENV = OUT / "ref-venv"
PYTHON = VENV / "bin" / "python"


def reference_python(venv: Path = VENV, packages: tuple[str, ...] = ("csc-validator-be-903",)) -> Path:
    """A reference venv's Python (by default csc-validator-be-903's), installing ``packages``
    there if needed."""
    python = venv / "bin" / "python"
    if not python.exists():
        interpreter = shutil.which("python3.11")
        if interpreter is None:
            sys.exit("python3.11 is needed to run the reference validator (it pins pandas<2)")
        subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python
