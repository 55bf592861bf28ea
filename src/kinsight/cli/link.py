"""``kinsight link``: link configured sources into children and report on the linkage."""

from __future__ import annotations

from pathlib import Path

import typer

from kinsight.cli.app import app
from kinsight.core.config import load_config


@app.command()
def link(
    config: Path = typer.Option(Path("kinsight.toml"), "--config", "-c",
                                help="kinsight.toml, or a file with just its [[sources]]."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for clusters.csv, pairs.csv, model.json, report.*"),
    truth: Path = typer.Option(None, "--truth", help="A truth file (synthetic data only) to measure accuracy."),
    index: Path = typer.Option(None, "--index", help="A persistent child index folder to link into."),
) -> None:
    """Link a pair of sources, de-duplicate one, or link many; write clusters, pairs, model and report."""
    from kinsight.linkage.run import link_sources

    run = link_sources(load_config(config), out, truth=truth, index=index)
    result = run.result
    people = len(set(result.clusters["person_id"].to_pylist()))
    typer.echo(f"Linked {result.clusters.num_rows} records into {people} people; outputs in {run.out}")
    accuracy = result.report.get("accuracy", {}).get("pairwise")
    if accuracy:
        typer.echo(f"Against truth: precision {accuracy['precision']:.4f}, recall {accuracy['recall']:.4f}, "
                   f"F1 {accuracy['f1']:.4f}")
