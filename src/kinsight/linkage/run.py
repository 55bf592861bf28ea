"""One linkage run over configured sources, writing the outputs of ``kinsight link``.

``link_sources`` reads every source as person records, links them in a child index
(a persistent one if given, otherwise a fresh one that lives only for the run),
builds the quality report and writes, all or nothing::

    DIR/clusters.csv   source,record_id,person_id
    DIR/pairs.csv      source_l,record_id_l,source_r,record_id_r,match_probability,match_weight
    DIR/model.json     the trained Splink model
    DIR/report.html    the quality and bias report
    DIR/report.json    the same, as data
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from kinsight.core.config import ProjectConfig
from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.linkage import report as linkage_report
from kinsight.linkage.index import ChildIndex, LinkageResult
from kinsight.sources.files import files_of, read_csv
from kinsight.sources.person_records import read_person_records, unparseable_dob

OUTPUT_FILES = ("clusters.csv", "pairs.csv", "model.json", "report.html", "report.json")


@dataclass
class LinkRun:
    """A finished run: the linkage result and where its outputs were written."""

    result: LinkageResult
    out: Path


def link_sources(config: ProjectConfig, out: Path | str, *, truth: Path | str | None = None,
                 index: Path | str | None = None) -> LinkRun:
    """Link every source in ``config`` and write the outputs to ``out`` (replacing it whole)."""
    out = Path(out)
    records, inputs = [], []
    for source in config.sources:
        table = read_person_records(source)
        records.append(table.replace_schema_metadata(None))
        inputs.append({
            "source": source.name, "format": source.format, "records": table.num_rows,
            "unparseable_dob": unparseable_dob(table),
            "files": [{"name": p.name, "sha256": _sha256(p)} for p in _files(source.path)],
        })
    combined = pa.concat_tables(records, promote_options="default")
    truth_table = read_truth(truth) if truth else None
    with tempfile.TemporaryDirectory(prefix="kinsight-index-") as scratch:
        child_index = ChildIndex.open(index if index else scratch)
        try:
            result = child_index.link(combined)
            result.report = linkage_report.build(
                child_index.con, run=result.report, inputs=inputs, changes=result.changes, truth=truth_table,
                la=config.la,
            )
            model = child_index.model()
        finally:
            child_index.close()
    write_outputs(out, result, model)
    return LinkRun(result, out)


def read_truth(path: Path | str) -> pa.Table:
    """A truth file (source, record_id, child_id), as the synthetic LA writes it."""
    table = read_csv(path)
    missing = [c for c in ("source", "record_id", "child_id") if c not in table.column_names]
    if missing:
        raise UnusableInput(f"a truth file needs the column(s) {', '.join(missing)}", file=path, field=missing[0])
    return table.select(["source", "record_id", "child_id"])


def write_outputs(out: Path, result: LinkageResult, model: dict) -> None:
    """Write every output into a sibling folder, then swap it in: all or nothing."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        pacsv.write_csv(result.clusters, staging / "clusters.csv")
        pacsv.write_csv(result.pairs, staging / "pairs.csv")
        (staging / "model.json").write_text(json.dumps(model, indent=2), encoding="utf-8")
        (staging / "report.json").write_text(json.dumps(result.report, indent=2, default=str), encoding="utf-8")
        (staging / "report.html").write_text(linkage_report.to_html(result.report), encoding="utf-8")
        if out.exists():
            if not out.is_dir():
                raise KinsightError(f"{out}: exists and is not a folder")
            retired = out.with_name(f".{out.name}-old")
            shutil.rmtree(retired, ignore_errors=True)
            out.rename(retired)
            staging.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _files(path: Path) -> list[Path]:
    try:
        return files_of(path, suffixes=(".csv", ".xlsx", ".xml"))
    except KinsightError:
        return []


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
