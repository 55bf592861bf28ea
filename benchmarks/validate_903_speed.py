"""SSDA903 validation speed and memory: Kinsight against csc-validator-be-903, in one run.

Builds a return of about ``--children`` children by repeating the reference's fake return
(2,675 children) with new child ids, then times each validator end to end — read, validate,
write the report — in its own process, measuring peak memory (ru_maxrss) there.

The reference takes minutes at 100,000 children; ``--reference-children`` runs it on a
smaller return instead, and the ratio is then per child (throughput), which the output says.

    python benchmarks/validate_903_speed.py [--children 100000] [--reference-children 20000]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from reference_env import OUT, reference_python

ROOT = Path(__file__).parents[1]
FAKE = ROOT / "tests" / "fixtures" / "ssda903-reference-fake"
FAKE_CHILDREN = 2675
LA = "E09000027"

KINSIGHT = """
import json, resource, sys, time
from kinsight.quality.reports import write_reports
from kinsight.quality.ssda903 import validate_903
started = time.perf_counter()
result = validate_903([sys.argv[1]], 2026, sys.argv[2])
validated = time.perf_counter()
write_reports(result, sys.argv[3])
json.dump({"validate_seconds": validated - started, "report_seconds": time.perf_counter() - validated,
           "findings": result.findings.num_rows,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, sys.stdout)
"""


def scaled_return(children: int) -> Path:
    """The fake return repeated until it holds about ``children`` children (cached)."""
    copies = max(1, math.ceil(children / FAKE_CHILDREN))
    folder = OUT / f"speed-903-{copies * FAKE_CHILDREN}"
    if folder.is_dir():
        return folder
    folder.mkdir(parents=True)
    for source in FAKE.glob("*.csv"):
        if source.name == "DoLo.csv":
            continue  # not collected in 2025/26
        with open(source, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        child = rows[0].index("CHILD")
        with open(folder / source.name, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(rows[0])
            for copy in range(copies):
                for row in rows[1:]:
                    writer.writerow([f"{value}_{copy}" if i == child else value for i, value in enumerate(row)])
    return folder


def timed(command: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed:\n{done.stderr[-2000:]}")
    # The JSON document is the last line; anything a library printed before it is ignored.
    return time.perf_counter() - started, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--reference-children", type=int, default=None,
                        help="run the reference on a smaller return (ratio becomes per child)")
    args = parser.parse_args()
    ours = scaled_return(args.children)
    theirs = scaled_return(args.reference_children or args.children)
    our_children = sum(1 for _ in open(ours / "header.csv")) - 1
    their_children = sum(1 for _ in open(theirs / "header.csv")) - 1

    k_wall, k = timed([sys.executable, "-c", KINSIGHT, str(ours), LA, str(OUT / "speed-903-kinsight-report")])
    print(f"Kinsight  {our_children:>7,} children: {k_wall:7.1f} s end to end "
          f"(validate {k['validate_seconds']:.1f} s, reports {k['report_seconds']:.1f} s), "
          f"peak {k['peak_rss_mb']:,.0f} MB, {k['findings']:,} findings")

    files = [str(p) for p in sorted(theirs.glob("*.csv"))]
    r_wall, r = timed([str(reference_python()), str(Path(__file__).with_name("reference_903.py")), "--year", "2026",
                       "--la", LA, "--report", str(OUT / "speed-903-reference.xlsx"), *files])
    print(f"Reference {their_children:>7,} children: {r_wall:7.1f} s end to end "
          f"(validate {r['validate_seconds']:.1f} s, report {r['report_seconds']:.1f} s), "
          f"peak {r['peak_rss_mb']:,.0f} MB")

    ratio = (r_wall / their_children) / (k_wall / our_children)
    basis = "same return" if their_children == our_children else (
        f"per child: the reference ran on {their_children:,} children, Kinsight on {our_children:,}")
    print(f"Kinsight is {ratio:.1f}x faster end to end ({basis}); target >= 30x. "
          f"Kinsight peak memory {k['peak_rss_mb']:,.0f} MB (target <= 1,024 MB).")


if __name__ == "__main__":
    main()
