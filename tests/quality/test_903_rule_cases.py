"""Every SSDA903 rule, specified by example: rows it must flag and rows it must pass.

The examples are data, in ``cases/ssda903/*.yaml``; each starts from a child who
passes every rule (``_defaults.yaml``) and changes only what the rule is about.
A case runs in every collection year whose catalogue has the rule, unless it
names its ``years``. Ofsted's provider lists are the ``Providers`` table of a case, the
DfE XML's UASC flag its ``UASCStatus`` table; the postcode lookup is never given, it is
Kinsight's own, read for the postcodes the case uses exactly as in a validation.
"""

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from kinsight.quality.catalogue import load_rules
from kinsight.quality.engine import PREVIOUS, Engine
from kinsight.quality.ssda903 import derive_postcodes, table_columns
from kinsight.sources.files import with_row_numbers

CASES = Path(__file__).parent / "cases" / "ssda903"
YEARS = (2026, 2027)
DEFAULTS = yaml.safe_load((CASES / "_defaults.yaml").read_text())


def _cases():
    for path in sorted(CASES.glob("[!_]*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            yield case


ALL_CASES = list(_cases())


def _examples():
    """Each case in the first year that has its rule, and again wherever the rule changes."""
    for case in ALL_CASES:
        code = str(case["rule"])
        tested = None
        for year in case.get("years", YEARS):
            rule = next((r for r in load_rules("ssda903", year) if r.code == code), None)
            if rule is not None and _definition(rule) != tested:
                tested = _definition(rule)
                yield pytest.param(case, year, id=f"{code}-{year}")


def _definition(rule):
    return (rule.message, rule.severity, rule.tables, rule.fields, repr(rule.pattern), rule.sql, rule.python)


def _table(name: str, rows: list[dict], year: int) -> pa.Table:
    base = name.removesuffix(PREVIOUS)
    columns = table_columns(year)[base]
    filled = [{**DEFAULTS[base], **(row or {})} for row in rows]
    return with_row_numbers(
        pa.table({c: pa.array([None if r.get(c) is None else str(r[c]) for r in filled], pa.string())
                  for c in columns})
    )


def _findings(code: str, year: int, tables: dict) -> set[str]:
    rule = next(r for r in load_rules("ssda903", year) if r.code == code)
    engine = Engine("ssda903", year, "E09000027", table_columns(year), only={code})
    supplied = {t: tables.get(t, []) for t in rule.tables if t != "Postcodes"} | tables
    current = {n: _table(n, rows, year) for n, rows in supplied.items() if not n.endswith(PREVIOUS)}
    earlier = {n.removesuffix(PREVIOUS): _table(n, rows, year) for n, rows in supplied.items() if n.endswith(PREVIOUS)}
    engine.load(current, {n: Path(f"{n}.csv") for n in current})
    if earlier:
        engine.load(earlier, {n: Path(f"{n}_previous.csv") for n in earlier}, previous=True)
    if "Postcodes" in rule.tables:
        derive_postcodes(engine)
    result = engine.run()
    assert code not in result.skipped, result.skipped
    return {f"{t} {r}" for t, r in zip(result.findings["table"].to_pylist(), result.findings["row_number"].to_pylist())}


@pytest.mark.parametrize(("case", "year"), list(_examples()))
def test_rule_flags_the_failing_rows_and_passes_the_good_ones(case, year):
    code = str(case["rule"])
    flagged = _findings(code, year, case["fails"])
    if "flagged" in case:
        assert flagged == set(case["flagged"])
    else:
        assert flagged, f"rule {code} flagged nothing in its failing example"
    assert _findings(code, year, case["passes"]) == set(), f"rule {code} flagged its passing example"


def test_every_rule_of_every_year_has_examples():
    with_examples = {str(c["rule"]) for c in ALL_CASES if c.get("fails") and c.get("passes")}
    missing = {r.code for year in YEARS for r in load_rules("ssda903", year)} - with_examples
    assert not missing, f"rules without a failing and a passing example: {sorted(missing)}"
