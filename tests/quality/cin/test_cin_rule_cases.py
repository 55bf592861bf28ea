"""Every CIN census rule, specified by example: children it must flag and children it must pass.

The examples are data, in ``cases/*.yaml``. Each case gives ``fails`` and ``passes``
as lists of children (overrides on a child who passes every child-level rule, see
``census_xml.py``), or as ``{header: {...}, children: [...]}`` to change the Header
too. ``flagged`` lists the ``"<table> <row_number>"`` the rule must flag in the
failing census (row_number is the child's position). Each example is written to
XML and read by the real reader, so the cases also specify the flattening.
"""

from pathlib import Path

import pytest
import yaml
from census_xml import write_census

from kinsight.quality.catalogue import load_rules
from kinsight.quality.cin import validate_cin

CASES = Path(__file__).parent / "cases"
YEARS = (2026, 2027)
ALL_CASES = [case for path in sorted(CASES.glob("*.yaml")) for case in yaml.safe_load(path.read_text()) or []]


def _findings(tmp_path: Path, code: str, year: int, example, name: str) -> set[str]:
    if isinstance(example, dict):
        children, header = example.get("children", [{}]), example.get("header")
    else:
        children, header = example, None
    path = write_census(tmp_path, children, year, header, name=f"{name}.xml")
    result = validate_cin(path, year, "E09000027", only={code})
    return {f"{t} {r}" for t, r in zip(result.findings["table"].to_pylist(),
                                       result.findings["row_number"].to_pylist())}


@pytest.mark.parametrize("case", ALL_CASES, ids=[str(c["rule"]) for c in ALL_CASES])
def test_rule_flags_the_failing_children_and_passes_the_good_ones(case, tmp_path):
    code, year = str(case["rule"]), case.get("year", 2026)
    flagged = _findings(tmp_path, code, year, case["fails"], "fails")
    if "flagged" in case:
        assert flagged == set(case["flagged"])
    else:
        assert flagged, f"rule {code} flagged nothing in its failing example"
    assert _findings(tmp_path, code, year, case["passes"], "passes") == set(), (
        f"rule {code} flagged its passing example"
    )


def test_every_rule_of_every_year_has_examples():
    with_examples = {str(c["rule"]) for c in ALL_CASES if c.get("fails") and c.get("passes")}
    missing = {r.code for year in YEARS for r in load_rules("cin", year)} - with_examples
    assert not missing, f"CIN rules without a failing and a passing example: {sorted(missing)}"


def test_the_default_child_passes_every_child_level_rule(tmp_path):
    path = write_census(tmp_path, [{}, {}])
    result = validate_cin(path, 2026, "E09000027")
    # 2887Q is a query on the whole LA's return: two children cannot use 8 disability codes.
    assert set(result.findings["rule_code"].to_pylist()) == {"2887Q"}


def test_2026_27_carries_the_rules_forward_and_runs_them_all_on_its_layout(tmp_path):
    assert [r.code for r in load_rules("cin", 2027)] == [r.code for r in load_rules("cin", 2026)]
    child = {"CINdetails": [{"PreProceedingsandFGDM": [{"PPStartDate": "2026-09-09", "PPOutcome": "A"}]}]}
    result = validate_cin(write_census(tmp_path, [child, {}], year=2027), 2027, "E09000027")
    assert not result.skipped
    assert set(result.findings["rule_code"].to_pylist()) == {"2887Q"}
