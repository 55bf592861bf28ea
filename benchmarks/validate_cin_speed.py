"""CIN census validation speed: a large LA's census (25,000 children) in under 10 s.

The census is the synthetic LA's (``kinsight synth``) scaled up by copying its
children with suffixed LAchildIDs, as the sector's validator was measured
(statutory-returns.md section 5). The anchor, measured in the same run on the same
data at a smaller size, is the sector's validator loading the XML (its quadratic
step: 86 s for 10,000 children on this machine class); its environment is the one
``agreement_cin.py`` installs.

    .venv/bin/python benchmarks/validate_cin_speed.py [--children 25000] [--anchor-children 2500]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from kinsight.quality.cin import validate_cin
from kinsight.quality.reports import write_reports

sys.path.insert(0, str(Path(__file__).parent))
from agreement_cin import run_reference, synthetic_census

_CHILD_ID = re.compile(rb"<LAchildID>([^<]*)</LAchildID>")


def scaled_census(source: Path, children: int, target: Path) -> Path:
    """``source``'s Header and its children copied until there are ``children`` of them."""
    tree = etree.parse(str(source))
    root = tree.getroot()
    header = etree.tostring(root.find("Header"))
    originals = [etree.tostring(c) for c in root.find("Children")]
    with open(target, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?><Message>' + header + b"<Children>")
        for n in range(children):
            child = originals[n % len(originals)]
            copy = n // len(originals)
            if copy:
                child = _CHILD_ID.sub(lambda m, c=copy: b"<LAchildID>" + m.group(1) + b"X%d</LAchildID>" % c, child)
            out.write(child)
        out.write(b"</Children></Message>")
    return target


def timed(action) -> tuple[float, object]:
    """Wall-clock seconds and the value; CPU seconds are printed too, because on a
    shared machine the wall clock also measures everyone else's work."""
    started, cpu = time.perf_counter(), time.process_time()
    value = action()
    timed.cpu = time.process_time() - cpu
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=25_000)
    parser.add_argument("--anchor-children", type=int, default=2_500)
    parser.add_argument("--source", type=Path, help="a CIN census XML to scale (default: a synthetic LA's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        source = args.source or synthetic_census(scratch / "synth")
        large = scaled_census(source, args.children, scratch / "large.xml")
        small = scaled_census(source, args.anchor_children, scratch / "small.xml")
        size_mb = large.stat().st_size / 1e6

        validate_seconds, result = timed(lambda: validate_cin(large, 2026, "E09000027"))
        validate_cpu = timed.cpu
        report_seconds, _ = timed(lambda: write_reports(result, scratch / "out"))
        small_seconds, _ = timed(lambda: validate_cin(small, 2026, "E09000027"))
        anchor = run_reference(small, 2026, load_only=True)["load_seconds"]

    headline = result.headline()
    print(f"Kinsight, {args.children:,} children ({size_mb:.0f} MB, {headline['rows_read']:,} rows):")
    print(f"  read XML + run {headline['rules_run']} rules: {validate_seconds:.2f} s wall, "
          f"{validate_cpu:.2f} s CPU  (target < 10 s; load average {os.getloadavg()[0]:.1f})")
    print(f"  write every report: {report_seconds:.2f} s  ({headline['errors']:,} rows with errors)")
    print(f"Anchor, {args.anchor_children:,} children: csc-validator-be-cin XML load {anchor:.2f} s; "
          f"Kinsight read + validate {small_seconds:.2f} s")
    print(f"  ratio at {args.anchor_children:,} children: {anchor / small_seconds:.1f}x faster "
          f"(the anchor's load alone, against Kinsight's whole validation)")
    print(f"  throughput: Kinsight {args.children / validate_seconds:,.0f} children/s at {args.children:,}; "
          f"anchor load {args.anchor_children / anchor:,.0f} children/s at {args.anchor_children:,}")


if __name__ == "__main__":
    main()
