"""``kinsight synth``: generate the synthetic local authority."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kinsight.cli.app import app


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="Folder to write the synthetic LA into."),
    children: int = typer.Option(60_000, "--children", help="Children aged 0–17 in the LA."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same LA."),
    la: str = typer.Option(None, "--la", help="ONS code of the LA to model (default E06000042)."),
    year: int = typer.Option(2026, "--year", help="Collection year (2026 = 2025/26)."),
    fault_rate: float = typer.Option(0.002, "--fault-rate", help="Share of return rows given a DfE fault."),
    force: bool = typer.Option(False, "--force", help="Replace a non-empty output folder."),
) -> None:
    """Generate a synthetic local authority: returns, partner extracts, truth and kinsight.toml."""
    from kinsight.synth import generate

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  transient=True) as progress:
        task = progress.add_task("starting", total=None)
        summary = generate(out, children=children, seed=seed, la_code=la, year=year,
                           fault_rate=fault_rate, force=force,
                           progress=lambda step: progress.update(task, description=step))
    Console().print(
        f"Synthetic {summary.la_name} ({summary.la_code}): {summary.children:,} children, "
        f"{summary.records:,} source records, {summary.faults:,} injected faults → {summary.out}"
    )
