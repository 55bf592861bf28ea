"""Every indicator for a 300,000-child LA with five years of history: target ≤ 10 s.

Anchor, measured in the same run on the same snapshot: one aggregate (row count, min and max
of a date) over each fact table, i.e. the cost of reading the data once. The ratio says how
many "reads of the warehouse" computing every indicator with its breakdowns costs.

    .venv/bin/python benchmarks/indicators_speed.py [--children N] [--years Y] [--keep FILE]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

from kinsight.analysis import catalogue, compute
from kinsight.analysis.dummy import generate_warehouse
from kinsight.store.model import tables

#: The fact tables (keyed by person) and their own columns.
TABLES = {t.name: t.columns for t in tables().values() if t.has_lineage}

TARGET_SECONDS = 10.0


def anchor(con: duckdb.DuckDBPyConnection) -> float:
    started = time.perf_counter()
    for table, columns in TABLES.items():
        date = next((c for c, kind in columns.items() if kind == "DATE"), None)
        extra = f", min({date}), max({date})" if date else ""
        con.execute(f'SELECT count(*), count(DISTINCT person_id){extra} FROM "{table}"').fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="reuse or keep the generated warehouse here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "bench.duckdb"
        if not path.exists():
            started = time.perf_counter()
            generate_warehouse(path, args.children, args.years)
            print(f"generated {args.children:,} children, {args.years} years "
                  f"in {time.perf_counter() - started:.1f} s")
        con = duckdb.connect(str(path), read_only=True)
        rows = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
        print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n))
        base = anchor(con)
        started, cpu = time.perf_counter(), time.process_time()
        results = compute(con, period="2025-04..2026-03")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        con.close()
    print(f"anchor (one aggregate per fact table): {base:.2f} s")
    print(f"every indicator ({len(catalogue())}), all breakdowns, {len(results):,} result rows: "
          f"{elapsed:.2f} s")
    # On a shared machine wall time includes waiting for a core; CPU time (all DuckDB threads
    # of this process) is what the work costs.
    print(f"CPU time: {cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"ratio to anchor: {elapsed / base:.1f}x; target {TARGET_SECONDS:.0f} s: "
          f"{'met' if elapsed <= TARGET_SECONDS else 'NOT met'} ({elapsed / TARGET_SECONDS:.2f} of target)")


if __name__ == "__main__":
    main()
