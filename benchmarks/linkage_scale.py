"""Linking every source of a ~1,000,000-record synthetic LA, and 10,000 more incrementally.

Targets (issue 5): the whole LA linked in ≤ 60 s wall at ≤ 4 GB peak on this 2-core
machine; a new extract of 10,000 records linked against the 1,000,000-record index in
seconds. Each stage runs in its own process so its peak memory is its own. Timings are
printed beside an anchor measured in the same run (a DuckDB group-by of the same
records), because on a shared machine the ratio travels better than the seconds.

    .venv/bin/python benchmarks/linkage_scale.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))

from linkage_common import Timer, pairwise_f1, peak_rss_gb, synthetic_la, write_sources

STAGE = r"""
import json, sys, time
sys.path.insert(0, {bench!r})
from linkage_common import Timer, cpu_seconds, peak_rss_gb
import pyarrow.parquet as pq
stage, work = sys.argv[1], sys.argv[2]
if stage == "full":
    from kinsight.core.config import load_config
    from kinsight.linkage.run import link_sources
    with Timer() as t:
        run = link_sources(load_config(work + "/sources/link.toml"), work + "/out", index=work + "/index")
    print(json.dumps({{"seconds": t.seconds, "peak_gb": peak_rss_gb(), "cpu": cpu_seconds()}}))
else:
    from kinsight.linkage import ChildIndex
    new = pq.read_table(work + "/new.parquet")
    with Timer() as t:
        with ChildIndex.open(work + "/index") as index:
            result = index.link(new)
    print(json.dumps({{"seconds": t.seconds, "peak_gb": peak_rss_gb(), "cpu": cpu_seconds(),
                      "new": result.report["new"], "changes": len(result.changes)}}))
"""


def anchor_seconds(records_path: Path) -> float:
    """The anchor: DuckDB reading the records and grouping them by surname and date of birth."""
    with Timer() as t:
        duckdb.sql(f"SELECT surname, dob, count(*) FROM '{records_path}' GROUP BY ALL").fetchall()
    return t.seconds


def stage(name: str, work: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", STAGE.format(bench=str(Path(__file__).parent)), name, str(work)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)
    # Libraries may print too; the stage's result is its last JSON line.
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith('{"seconds"')][-1])
    print(f"{name}: {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    args = parser.parse_args()
    records, truth, _ = synthetic_la(args.records + args.new)
    # The last records (whole children, in generation order) arrive as next month's extract.
    indexed, new = records.slice(0, args.records), records.slice(args.records)
    with tempfile.TemporaryDirectory(prefix="kinsight-scale-") as scratch:
        work = Path(scratch)
        write_sources(indexed, work / "sources")
        import pyarrow.parquet as pq

        pq.write_table(new, work / "new.parquet")
        pq.write_table(indexed, work / "records.parquet")
        anchor = anchor_seconds(work / "records.parquet")
        full = stage("full", work)
        clusters = duckdb.read_csv(str(work / "out" / "clusters.csv")).arrow()
        precision, recall, f1 = pairwise_f1(clusters, truth)
        incremental = stage("incremental", work)
    print(f"records linked:            {indexed.num_rows:,} from {len(set(indexed['source'].to_pylist()))} sources")
    print(f"anchor (DuckDB group-by):  {anchor:.2f} s")
    print(f"full link (CSV → outputs): {full['seconds']:.1f} s wall ({full['cpu']:.1f} s CPU) = "
          f"{full['seconds'] / anchor:.0f}× anchor; peak {full['peak_gb']:.2f} GB  [target ≤ 60 s, ≤ 4 GB]")
    print(f"accuracy against truth:    precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}")
    print(f"incremental {incremental['new']:,} vs {indexed.num_rows:,}: {incremental['seconds']:.1f} s wall "
          f"({incremental['cpu']:.1f} s CPU) = "
          f"{incremental['seconds'] / anchor:.0f}× anchor; peak {incremental['peak_gb']:.2f} GB; "
          f"{incremental['changes']} splits/merges")
    print(f"(benchmark process peak {peak_rss_gb():.2f} GB)")


if __name__ == "__main__":
    main()
