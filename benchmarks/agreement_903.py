"""Agreement with the sector's SSDA903 validator: the same inputs through both, rule by rule.

For every rule code both implement and run, prints the rows flagged by one and not the
other, then which reference rules Kinsight lacks (coverage). Inputs: the reference's own
fake data (tests/fixtures/ssda903-reference-fake) and Kinsight's synthetic LA with
injected faults (generated with ``kinsight synth`` into benchmarks/out/synth-la).

    python benchmarks/agreement_903.py [--children 5000] [--examples 5]

Differences that remain are explained in docs/quality.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from reference_env import OUT, reference_python

from kinsight.quality.catalogue import load_rules
from kinsight.quality.ssda903 import validate_903

ROOT = Path(__file__).parents[1]
FAKE = ROOT / "tests" / "fixtures" / "ssda903-reference-fake"
LA = "E09000027"


def run_reference(files: list[Path], year: int, la: str, previous: list[Path] = ()) -> dict:
    command = [str(reference_python()), str(Path(__file__).with_name("reference_903.py")),
               "--year", str(year), "--la", la, *map(str, files)]
    if previous:
        command += ["--previous", *map(str, previous)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def flagged_by_rule(rows) -> dict[str, set[tuple[str, int]]]:
    by_rule: dict[str, set] = defaultdict(set)
    for code, table, row in rows:
        by_rule[str(code)].add((table, int(row)))
    return by_rule


def compare(name: str, files: list[Path], year: int, la: str, previous: list[Path], examples: int) -> dict:
    reference = run_reference(files, year, la, previous)
    kinsight = validate_903(files, year, la, previous=previous)
    ours = flagged_by_rule(zip(kinsight.findings["rule_code"].to_pylist(), kinsight.findings["table"].to_pylist(),
                               kinsight.findings["row_number"].to_pylist()))
    theirs = flagged_by_rule(reference["flagged"])
    catalogue = {r.code for r in kinsight.rules}
    ran_here = catalogue - set(kinsight.skipped)
    ran_there = set(map(str, reference["done"]))
    both = sorted(ran_here & ran_there)
    print(f"\n== {name}: {len(both)} rules run by both; reference failed to run {sorted(reference['failed'])}")
    identical, differing = [], []
    for code in both:
        only_ref, only_ours = theirs[code] - ours[code], ours[code] - theirs[code]
        if not only_ref and not only_ours:
            identical.append(code)
            continue
        differing.append(code)
        print(f"  {code:>10}: reference {len(theirs[code]):>6}, Kinsight {len(ours[code]):>6}; "
              f"only reference {len(only_ref)} {sorted(only_ref)[:examples]}; "
              f"only Kinsight {len(only_ours)} {sorted(only_ours)[:examples]}")
    print(f"  identical verdicts on {len(identical)} of {len(both)} rules; differing: {' '.join(differing) or 'none'}")
    return {"both": both, "identical": identical, "differing": differing, "reference_rules": reference["rules"]}


def synthetic_la(children: int) -> Path:
    folder = OUT / f"synth-la-{children}"
    if not (folder / "returns" / "ssda903" / "2026").is_dir():
        subprocess.run([sys.executable, "-m", "kinsight", "synth", "--out", str(folder), "--children", str(children),
                        "--force"], check=True, capture_output=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000, help="size of the synthetic LA")
    parser.add_argument("--examples", type=int, default=5, help="rows shown per differing rule")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        # 2025/26 does not collect DoLo, which the fake data includes.
        fake = [p for p in sorted(FAKE.glob("*.csv")) if p.name != "DoLo.csv"]
        outcome = compare("reference fake data, 2025/26", fake, 2026, LA, [], args.examples)
        la = synthetic_la(args.children)
        this_year = sorted((la / "returns" / "ssda903" / "2026").glob("*.csv"))
        last_year = sorted((la / "returns" / "ssda903" / "2025").glob("*.csv"))
        compare("synthetic LA with injected faults, 2025/26, with last year's return", this_year, 2026, LA,
                last_year, args.examples)
        del scratch
    ours = {r.code for r in load_rules("ssda903", 2026)}
    missing = sorted(set(map(str, outcome["reference_rules"])) - ours)
    print(f"\nCoverage: Kinsight implements {len(ours)} rules for 2025/26; "
          f"the reference has {len(outcome['reference_rules'])}; not implemented: {' '.join(missing)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
