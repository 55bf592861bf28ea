"""Linking every source of the LA ``kinsight synth`` generates, at about 1,000,000 records.

``linkage_scale.py`` uses the linkage tests' own generator so that its figures compare from
round to round; this runs the issue's target on the project's synthetic LA itself: every
source in its real format (903 CSVs, the CIN census XML, Annex A xlsx, partners' CSV and
xlsx, a Windows-1252 file), through ``kinsight link`` exactly as a user runs it, in its own
process. Target (issue 5): ≤ 60 s wall and ≤ 4 GB peak on this 2-core machine. The anchor,
measured in the same run, is DuckDB reading the LA's truth file and grouping its records
by child.

    .venv/bin/python benchmarks/linkage_synth_la.py [--children 450000] [--seed 3]

450,000 children make about 1,014,000 records. The LA is generated once and cached under
``$KINSIGHT_BENCH_CACHE`` (default /tmp).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))

from linkage_common import Timer

KINSIGHT = Path(sys.executable).with_name("kinsight")
#: Runs a command as its only child and prints the child's CPU and peak memory, so that they
#: are the link's alone (not the synth that may have run first in this process).
MEASURED = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": done.returncode, "stderr": done.stderr[-2000:],
                  "cpu": used.ru_utime + used.ru_stime, "peak_gb": used.ru_maxrss / 1024 ** 2}))
"""


def synthetic_la(children: int, seed: int) -> Path:
    """A ``kinsight synth`` LA of ``children`` children, generated once and cached."""
    la = Path(os.environ.get("KINSIGHT_BENCH_CACHE", "/tmp")) / f"kinsight-synth-la-{children}-{seed}"
    if not (la / "kinsight.toml").is_file():
        subprocess.run([str(KINSIGHT), "synth", "--out", str(la), "--children", str(children), "--seed", str(seed),
                        "--force"], check=True, capture_output=True)
    return la


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    la = synthetic_la(args.children, args.seed)
    truth = la / "truth" / "records.csv"
    with Timer() as anchor:
        records = duckdb.sql(f"SELECT child_id, count(*) FROM read_csv('{truth}', all_varchar = true) "
                             "GROUP BY ALL").fetchall()
    with tempfile.TemporaryDirectory(prefix="kinsight-synth-link-") as scratch:
        out = Path(scratch) / "out"
        with Timer() as link:
            done = subprocess.run([sys.executable, "-c", MEASURED, str(KINSIGHT), "link", "--config",
                                   str(la / "kinsight.toml"), "--out", str(out), "--truth", str(truth)],
                                  capture_output=True, text=True, check=True)
        used = json.loads(done.stdout)
        if used["returncode"]:
            sys.exit(used["stderr"])
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    pairwise = report["accuracy"]["pairwise"]
    print(f"kinsight synth LA:         {args.children:,} children, {sum(n for _, n in records):,} records "
          f"in {len(report['provenance']['inputs'])} sources")
    print(f"anchor (DuckDB group-by):  {anchor.seconds:.2f} s")
    print(f"kinsight link, end to end: {link.seconds:.1f} s wall ({used['cpu']:.1f} s CPU) = "
          f"{link.seconds / anchor.seconds:.0f}× anchor; peak {used['peak_gb']:.2f} GB  [target ≤ 60 s, ≤ 4 GB]")
    print(f"accuracy against truth:    precision {pairwise['precision']:.4f}, recall {pairwise['recall']:.4f}, "
          f"F1 {pairwise['f1']:.4f}")


if __name__ == "__main__":
    main()
