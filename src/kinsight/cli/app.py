"""The ``kinsight`` Typer application that every command module adds itself to."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    name="kinsight",
    help="Children's information for a local authority and its partners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The option every deployment command takes.
ConfigOption = typer.Option(
    Path("kinsight.toml"), "--config", "-c", help="The project configuration (kinsight.toml)."
)


@app.callback()
def kinsight() -> None:
    """Children's information for a local authority and its partners."""
