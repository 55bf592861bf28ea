"""``kinsight indicators``: the LA's indicators for a period, as EES files and a workbook."""

from __future__ import annotations

from pathlib import Path

import duckdb
import typer
from rich.console import Console

from kinsight.cli.app import ConfigOption, app
from kinsight.core.errors import KinsightError


def _open(config: Path, snapshot: str | None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot: a ``.duckdb`` file given directly, or the
    deployment's snapshot by id (the current one by default) through ``kinsight.store``."""
    if snapshot and snapshot.endswith(".duckdb"):
        path = Path(snapshot)
        if not path.is_file():
            raise KinsightError(f"{path}: no such snapshot file")
        return duckdb.connect(str(path), read_only=True)
    from kinsight.core.config import load_config

    try:
        from kinsight.store import open_snapshot
    except ImportError:
        raise KinsightError(
            "this installation has no warehouse yet (kinsight.store.open_snapshot): "
            "give --snapshot FILE.duckdb"
        ) from None
    return open_snapshot(load_config(config), snapshot)


@app.command("indicators")
def indicators(
    period: str = typer.Option("2025-04..2026-03", help="Months, YYYY-MM..YYYY-MM."),
    out: Path = typer.Option(Path("indicators"), help="Folder for the EES files and workbook."),
    config: Path = ConfigOption,
    snapshot: str = typer.Option(None, help="Snapshot id (default: current), or a .duckdb file."),
    la: str = typer.Option(None, help="LA code, if the snapshot does not record it."),
    series: str = typer.Option("month,quarter", help="Series to add: month, quarter, none."),
    output_class: str = typer.Option("official_statistics", help="Disclosure rules to apply."),
    threshold: int = typer.Option(None, help="Suppression threshold (default: the class's)."),
    only: list[str] = typer.Option(None, "--indicator", help="Only this indicator (repeatable)."),
    list_only: bool = typer.Option(False, "--list", help="List the indicators and stop."),
) -> None:
    """Compute every indicator for the period, with comparators, through disclosure control,
    and write EES tidy CSV + metadata and an Analysis Function workbook."""
    from kinsight.analysis import catalogue
    from kinsight.outputs.release import publish_indicators

    console = Console()
    if list_only:
        for item in catalogue():
            typer.echo(f"{item.id}\t{item.title}")  # tab-separated, for scripts
        return
    kinds = [] if series.strip() in ("", "none") else [s.strip() for s in series.split(",")]
    con = _open(config, snapshot)
    try:
        written = publish_indicators(con, out, period, la=la, series=kinds,
                                     indicator_ids=only or None,
                                     output_class=output_class, threshold=threshold)
    finally:
        con.close()
    for path in written:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)
