"""``kinsight run`` and ``kinsight snapshots``: build the warehouse and look at its snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kinsight.cli.app import ConfigOption, app
from kinsight.core.config import load_config
from kinsight.store import Warehouse, run_pipeline
from kinsight.store.run import STAGES

snapshots_app = typer.Typer(help="The warehouse's snapshots: one per successful run.", no_args_is_help=True)
app.add_typer(snapshots_app, name="snapshots")

console = Console()


@app.command()
def run(config: Path = ConfigOption) -> None:
    """Ingest every source, validate the returns, link, and publish a new warehouse snapshot."""
    project = load_config(config)
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.fields[detail]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bars:
        tasks = {stage: bars.add_task(stage, total=None, detail="", start=False) for stage in STAGES}

        def progress(stage: str, done: int, total: int, detail: str) -> None:
            bars.start_task(tasks[stage])
            bars.update(tasks[stage], completed=done, total=max(total, 1), detail=detail)

        summary = run_pipeline(project, progress)
    _print_summary(summary)


@snapshots_app.command("list")
def list_snapshots(config: Path = ConfigOption) -> None:
    """Every snapshot, oldest first; the current one is marked."""
    found = Warehouse.of(load_config(config)).snapshots()
    if not found:
        console.print("No snapshots yet: run `kinsight run`.")
        return
    table = Table("snapshot", "current", "persons", "sources", "rows rejected")
    for snapshot in found:
        summary = snapshot.summary()
        table.add_row(snapshot.snapshot_id, "yes" if snapshot.is_current else "",
                      str(summary.get("tables", {}).get("persons", "")),
                      str(len(summary.get("sources", []))),
                      str(sum(s.get("rejected", 0) for s in summary.get("sources", []))))
    console.print(table)


@snapshots_app.command("show")
def show_snapshot(snapshot_id: str = typer.Argument(None, help="Defaults to the current snapshot."),
                  config: Path = ConfigOption) -> None:
    """The run summary of a snapshot, as JSON."""
    snapshot = Warehouse.of(load_config(config)).snapshot(snapshot_id)
    typer.echo(json.dumps(snapshot.summary(), indent=2, default=str))


@snapshots_app.command("current")
def current_snapshot(config: Path = ConfigOption) -> None:
    """The id and path of the current snapshot."""
    snapshot = Warehouse.of(load_config(config)).snapshot()
    typer.echo(f"{snapshot.snapshot_id}\t{snapshot.path}")


@snapshots_app.command("use")
def use_snapshot(snapshot_id: str = typer.Argument(..., help="The snapshot readers should use from now on."),
                 config: Path = ConfigOption) -> None:
    """Make an existing snapshot the current one (for example to roll back a bad run)."""
    snapshot = Warehouse.of(load_config(config)).make_current(snapshot_id)
    console.print(f"Snapshot [bold]{snapshot.snapshot_id}[/] is current.", highlight=False)


def _print_summary(summary: dict) -> None:
    table = Table("source", "files (reused)", "rows", "rejected", "cells blanked", title="Sources")
    for source in summary["sources"]:
        table.add_row(source["name"], f"{source['files']} ({source['files_reused']})", str(source["rows"]),
                      str(source["rejected"]), str(sum(c["count"] for c in source["cells_blanked"])))
    console.print(table)
    for name, headline in summary["validation"].items():
        console.print(f"[bold]Validation[/] {name}: {_pairs(headline)}", highlight=False)
    console.print(f"[bold]Linkage[/]: {_pairs(summary['linkage'])}", highlight=False)
    console.print(f"[bold]Timings[/] (s): {_pairs(summary['timings'])}", highlight=False)
    console.print(f"Snapshot [bold]{summary['snapshot_id']}[/] is current "
                  f"({summary['tables'].get('persons', 0)} persons).", highlight=False)


def _pairs(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())
