"""Agreement of Kinsight's CIN census validation with the sector's validator.

Installs ``csc-validator-be-cin`` (Data to Insight, MIT) in a virtual environment of
its own, never as a project dependency: it needs Python 3.11 and pandas < 2. Both
validators then run on the same files, and for each DfE rule code the script prints
the children flagged by one and not the other. Children are compared by LAchildID,
so the comparison does not depend on how each tool numbers its rows; LA-level rules
(2883, 2886Q, 2887Q, 2888Q) and Header rules compare as one "LA" finding.

    .venv/bin/python benchmarks/agreement_cin.py [FILE.xml ...] [--year 2026]

Without files it uses the reference's own fake data (tests/fixtures/), a fresh
synthetic LA (``kinsight synth``) with its injected faults, and the same census with
3% of its values disturbed (removed, dates moved, codes swapped), which exercises
every rule. Every difference is
explained in docs/quality-cin.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from lxml import etree
from reference_env import OUT, reference_python

from kinsight.quality.cin import validate_cin

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "cin-census-reference-fake"
#: The reference's own virtual environment, kept between runs (numpy 2 breaks its pandas 1.5).
REFERENCE_VENV = OUT / "ref-venv-cin"
REFERENCE_PACKAGES = ("csc-validator-be-cin==0.1.13", "numpy<2")
LA = "LA"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Runs inside the reference's environment: validate one file, print JSON findings.
_REFERENCE_RUN = r"""
import json, sys, time, warnings, xml.etree.ElementTree as ET
warnings.simplefilter("ignore")
import logging; logging.disable(logging.CRITICAL)
from cin_validator import cin_validator as cv
from cin_validator.rules.ruleset_utils import get_year_ruleset
path, year, load_only = sys.argv[1], sys.argv[2], sys.argv[3] == "load"
started = time.perf_counter()
raw = cv.convert_data(ET.parse(path).getroot())
data = cv.process_data(raw)
loaded = time.perf_counter()
if load_only:
    print(json.dumps({"load_seconds": loaded - started})); sys.exit()
registry = get_year_ruleset(year)
validator = cv.CinValidator(data, registry, None)
issues = validator.full_issue_df
found = sorted({(str(r), None if c != c else str(c))  # c != c: pandas' NaN
                for r, c in zip(issues["rule_code"], issues["child_id"])})
la = sorted({str(r) for r in validator.multichild_issues["rule_code"]})
print(json.dumps({"rules": sorted(str(c) for c in registry), "found": found, "la": la,
                  "load_seconds": loaded - started, "validate_seconds": time.perf_counter() - loaded}))
"""


def run_reference(path: Path, year: int, *, load_only: bool = False) -> dict:
    """The reference's findings (or only its XML load time) for one file."""
    done = subprocess.run(
        [str(reference_python(REFERENCE_VENV, REFERENCE_PACKAGES)), "-c", _REFERENCE_RUN, str(path), str(year), "load" if load_only else "all"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def kinsight_findings(path: Path, year: int) -> tuple[set[str], set[tuple[str, str]]]:
    """Kinsight's rule codes and (rule, child) findings, Header and LA-level as ``LA``."""
    result = validate_cin(path, year, "E09000027")
    found = set()
    findings = result.findings
    for code, table, child in zip(findings["rule_code"].to_pylist(), findings["table"].to_pylist(),
                                  findings["child_id"].to_pylist()):
        found.add((code, LA if table == "Header" else child))
    return {r.code for r in result.rules}, found


def compare(path: Path, year: int) -> dict[str, tuple[set, set]]:
    """Per rule code both implement: children only Kinsight flags, and only the reference flags."""
    reference = run_reference(path, year)
    ours_rules, ours = kinsight_findings(path, year)
    theirs = {(code, child) for code, child in reference["found"]} | {(code, LA) for code in reference["la"]}
    by_rule: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    both = set(reference["rules"]) & ours_rules
    for code, child in ours - theirs:
        if code in both:
            by_rule[code][0].add(child)
    for code, child in theirs - ours:
        if code in both:
            by_rule[code][1].add(child)
    print(f"\n== {path.name} (collection year {year}): {len(both)} rules in both; "
          f"only Kinsight: {sorted(ours_rules - set(reference['rules']))}; "
          f"only the reference: {sorted(set(reference['rules']) - ours_rules)}")
    agreeing = sorted(c for c in both if c not in by_rule)
    print(f"identical verdicts on {len(agreeing)} of {len(both)} rules")
    for code in sorted(by_rule, key=lambda c: (len(c), c)):
        only_ours, only_theirs = by_rule[code]
        print(f"  {code:>6}: only Kinsight {len(only_ours):>4} {_sample(only_ours)}"
              f" | only reference {len(only_theirs):>4} {_sample(only_theirs)}")
    return dict(by_rule)


def _sample(children: set) -> str:
    shown = sorted(str(c) for c in children)[:3]
    return f"({', '.join(shown)}{', …' if len(children) > 3 else ''})" if shown else ""


def synthetic_census(folder: Path) -> Path:
    """A synthetic LA's CIN census with injected faults, from ``kinsight synth``."""
    subprocess.run(
        [sys.executable, "-m", "kinsight", "synth", "--out", str(folder), "--children", "20000",
         "--fault-rate", "0.01", "--force"],
        check=True, capture_output=True,
    )
    return folder / "returns" / "cin" / "cin_census_2026.xml"


def fuzzed_census(source: Path, target: Path, *, rate: float = 0.03, seed: int = 0) -> Path:
    """``source`` with a share of its values disturbed, to exercise every rule.

    Each value is, with probability ``rate``, removed, or (dates) moved by up to a year,
    or (codes) swapped for another value of the same element seen in the file or for
    one that no code list has. Element order is kept, so the file stays schema-shaped.
    """
    rng = random.Random(seed)
    tree = etree.parse(str(source))
    leaves = [e for e in tree.getroot().find("Children").iter() if len(e) == 0 and e.text]
    seen: dict[str, list[str]] = defaultdict(list)
    for leaf in leaves:
        seen[leaf.tag].append(leaf.text)
    for leaf in leaves:
        if leaf.tag == "LAchildID" or rng.random() >= rate:
            continue
        roll = rng.random()
        if roll < 0.25:
            leaf.getparent().remove(leaf)
        elif DATE.fullmatch(leaf.text):
            moved = date.fromisoformat(leaf.text) + timedelta(days=rng.randint(-370, 370))
            leaf.text = moved.isoformat()
        elif roll < 0.8:
            leaf.text = rng.choice(seen[leaf.tag])
        else:
            leaf.text = "ZZ"
    tree.write(str(target), encoding="UTF-8", xml_declaration=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        files = args.files
        if not files:
            synthetic = synthetic_census(Path(scratch) / "synth")
            files = [FIXTURES / "fake_CIN_data.xml", FIXTURES / "CIN_Census_2024.xml", synthetic,
                     fuzzed_census(synthetic, Path(scratch) / "cin_census_2026_fuzzed.xml")]
        for path in files:
            compare(path, args.year)


if __name__ == "__main__":
    main()
