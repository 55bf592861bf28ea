"""How long `kinsight run` takes on a synthetic LA, and a monthly refresh after it.

Targets (issue 4 point 7), on the 2-core machine the project is built on:

* the whole pipeline on a 60,000-child synthetic LA in under 2 minutes;
* a monthly refresh (the next month's extracts dropped into the partner folders) in under 20 s.

Each is printed as a ratio against its target, and against the anchor measured in the same run:
a plain load of the same csv files into DuckDB (`read_csv`, every column as text), which is the
least any pipeline that reads these files must spend. CPU seconds (all threads) are printed
beside wall-clock seconds: on a shared machine they show what the pipeline itself costs.

    .venv/bin/python benchmarks/pipeline_speed.py [--children 60000] [--la DIR] [--work DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from kinsight.core.config import load_config
from kinsight.store import run_pipeline

FULL_TARGET_S = 120.0
REFRESH_TARGET_S = 20.0


def synthesise(folder: Path, children: int) -> None:
    subprocess.run([sys.executable, "-m", "kinsight", "synth", "--out", str(folder),
                    "--children", str(children), "--force"], check=True, capture_output=True)


def plain_load_seconds(folder: Path) -> tuple[float, float, int]:
    """The anchor: every csv of the LA loaded as text into one in-memory DuckDB."""
    files = sorted(p for p in (folder / "returns").rglob("*.csv")) + sorted((folder / "partners").rglob("*.csv"))
    con = duckdb.connect()
    start, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for i, path in enumerate(files):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
                    [str(path)])
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    return time.perf_counter() - start, time.process_time() - cpu, rows


def drop_in_next_month(folder: Path) -> list[Path]:
    """Copy the synthetic LA's next-month extracts into the partner folders, as a council would."""
    copied = []
    for update in sorted((folder / "updates").glob("*/partners/*/*")):
        target = folder / "partners" / update.parent.name / update.name
        shutil.copy(update, target)
        copied.append(target)
    return copied


def timed_run(config_path: Path) -> tuple[float, float, dict]:
    start, cpu = time.perf_counter(), time.process_time()
    summary = run_pipeline(load_config(config_path))
    return time.perf_counter() - start, time.process_time() - cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=60_000)
    parser.add_argument("--work", type=Path, help="folder for the synthetic LA (default: a temporary one)")
    parser.add_argument("--la", type=Path, help="an LA `kinsight synth` already wrote (copied, not changed)")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic LA and its warehouse")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="kinsight-bench-"))
    folder = work / f"la-{args.children}"
    if args.la:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(args.la, folder, ignore=shutil.ignore_patterns("warehouse"))
    else:
        print(f"Synthesising {args.children:,} children in {folder} …", flush=True)
        synthesise(folder, args.children)

    anchor, anchor_cpu, rows = plain_load_seconds(folder)
    full, full_cpu, summary = timed_run(folder / "kinsight.toml")
    added = drop_in_next_month(folder)
    refresh, refresh_cpu, second = timed_run(folder / "kinsight.toml")

    scale = args.children / 60_000
    print(f"\nSynthetic LA: {args.children:,} children; csv rows {rows:,}; "
          f"persons {summary['tables'].get('persons', 0):,}")
    print(f"Anchor  plain DuckDB read_csv of the same csv files: {anchor:6.1f} s (CPU {anchor_cpu:.1f} s)")
    print(f"Full    kinsight run:    {full:6.1f} s  = {full / FULL_TARGET_S / scale:5.2f} × the "
          f"{FULL_TARGET_S:.0f} s target (scaled to 60,000)  = {full / anchor:5.1f} × the anchor; "
          f"CPU {full_cpu:.1f} s")
    print(f"        stages: {summary['timings']}; linkage: {summary['linkage']}")
    print(f"Refresh {len(added)} new extract(s): {refresh:6.1f} s  = {refresh / REFRESH_TARGET_S:5.2f} × the "
          f"{REFRESH_TARGET_S:.0f} s target  = {refresh / anchor:5.1f} × the anchor; CPU {refresh_cpu:.1f} s")
    print(f"        stages: {second['timings']}; files reused: "
          f"{sum(s.get('files_reused', 0) for s in second['sources'])} of "
          f"{sum(s.get('files', 0) for s in second['sources'])}; linkage: {second['linkage']}")
    verdict = "meets" if full <= FULL_TARGET_S * scale and refresh <= REFRESH_TARGET_S else "misses"
    print(f"\nThis run {verdict} the targets (load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores).")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
