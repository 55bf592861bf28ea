"""The ``kinsight`` command: a thin shell over the packages, one module per command group.

Errors a user can cause arrive as :class:`kinsight.core.KinsightError`; they are
printed as one line on stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import sys

from rich.console import Console

from kinsight.cli.app import app
from kinsight.core.errors import KinsightError

# Each module registers its commands on ``app`` when imported.
from kinsight.cli import (  # noqa: E402,F401
    governance,
    indicators,
    link,
    pipeline,
    serve,
    synth,
    validate,
)


def main() -> None:
    try:
        app()
    except KinsightError as error:
        Console(stderr=True).print(f"[bold red]Error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
