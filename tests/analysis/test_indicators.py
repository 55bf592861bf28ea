"""Each indicator on the hand-made warehouse of conftest.py, against figures worked by hand."""

import shutil

import duckdb
import pytest

from kinsight.analysis import catalogue, compute
from kinsight.analysis.catalogue import OUTCOMES, parse_library
from kinsight.core.errors import KinsightError

YEAR = "2025-04..2026-03"
BRISTOL_0_17 = 92_705


@pytest.fixture(scope="module")
def year(warehouse_path):
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return compute(con, period=YEAR)


def total(results, indicator_id, field="value"):
    row = results[(results.indicator_id == indicator_id) & (results.breakdown == "Total")]
    assert len(row) == 1, indicator_id
    return row.iloc[0][field]


def level(results, indicator_id, breakdown, name, field="value"):
    row = results[(results.indicator_id == indicator_id) & (results.breakdown == breakdown)
                  & (results.level == name)]
    assert len(row) == 1, (indicator_id, breakdown, name)
    return row.iloc[0][field]


@pytest.mark.parametrize("indicator_id, numerator, denominator", [
    ("rereferrals_12m_pct", 1, 4),  # R2 only: R5's previous referral was 16 months before
    ("referral_nfa_pct", 1, 4),
    ("assessment_45_days_pct", 1, 2),
    ("icpc_15_days_pct", 1, 2),  # 14 working days in time; 16 not
    ("repeat_cpp_pct", 1, 2),
    ("cpp_2_years_pct", 1, 2),
    ("ceased_sgo_pct", 1, 2),
    ("ceased_adopted_pct", 1, 2),
    ("ceased_cao_pct", 0, 2),
    ("placement_stability_3plus_pct", 1, 2),  # P06: three placements; short breaks excluded
    ("long_term_stability_pct", 1, 1),
    ("placed_over_20_miles_pct", 1, 2),  # Bristol to Manchester
    ("cla_in_foster_care_pct", 2, 2),
    ("cla_missing_pct", 1, 2),
    ("cla_health_assessment_pct", 1, 1),
    ("cla_immunisations_pct", 0, 1),
    ("care_leavers_eet_17_18_pct", 1, 2),  # activity not known counts in the denominator
    ("care_leavers_eet_19_21_pct", 0, 1),
    ("care_leavers_suitable_accommodation_17_18_pct", 1, 2),
    ("care_leavers_feel_safe_and_settled_pct", 1, 2),
    ("asq_communication_pct", 1, 2),
    ("asq_gross_motor_pct", 2, 2),
    ("asq_all_five_pct", 1, 2),
    ("gld_pct", 1, 2),
    ("elg_elg01_pct", 1, 2),
    ("elg_elg02_pct", 2, 2),
    ("gld_after_asq_pct", 1, 1),
    ("unmet_need_pct", 2, 3),  # P17 (homeless) and P14 (ASQ) have no referral; P01 has
])
def test_percentages(year, indicator_id, numerator, denominator):
    assert total(year, indicator_id, "numerator") == numerator
    assert total(year, indicator_id, "denominator") == denominator
    assert total(year, indicator_id) == pytest.approx(100 * numerator / denominator)


@pytest.mark.parametrize("indicator_id, children", [
    ("cin_rate_per_10k", 2),  # R2 and R5 open at 31 March; R3 was NFA, R6 closed
    ("referrals_rate_per_10k", 4),
    ("cla_rate_per_10k", 2),
    ("cla_starts_rate_per_10k", 2),
    ("cla_ceased_rate_per_10k", 2),
    ("uasc_cla_rate_per_10k", 1),
    ("s47_rate_per_10k", 2),
    ("cpp_rate_per_10k", 2),
    ("assessment_factor_3B_per_10k", 2),
    ("assessment_factor_16A_per_10k", 1),
    ("toxic_trio_per_10k", 1),
    ("toxic_trio_two_or_more_per_10k", 1),
])
def test_rates_per_10000_use_the_ons_population(year, indicator_id, children):
    assert total(year, indicator_id, "numerator") == children
    assert total(year, indicator_id, "denominator") == BRISTOL_0_17
    assert total(year, indicator_id) == pytest.approx(10_000 * children / BRISTOL_0_17)


def test_a_deployment_that_declares_its_population_has_its_rates_per_10000_on_it(
        warehouse_path, tmp_path):
    # A synthetic LA, or one whose children's services cover a different area, says how
    # many children it serves; its rates must not be divided by the ONS estimate.
    path = tmp_path / "snapshot.duckdb"
    shutil.copy(warehouse_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE snapshot_info SET population_0_17 = 20000")
    with duckdb.connect(str(path), read_only=True) as con:
        results = compute(con, ["cla_rate_per_10k"], period=YEAR)
    assert total(results, "cla_rate_per_10k", "denominator") == 20_000
    assert total(results, "cla_rate_per_10k") == pytest.approx(10_000 * 2 / 20_000)


def test_means(year):
    assert total(year, "sdq_mean_score") == 14
    assert total(year, "adoption_decision_to_match_months") == pytest.approx(183 / 30.4375)


def test_gld_by_characteristic_with_the_gap(year):
    assert level(year, "gld_pct", "fsm", "FSM eligible") == 100
    assert level(year, "gld_pct", "fsm", "FSM eligible", "gap") == 100
    assert level(year, "gld_pct", "sen", "SEN support") == 100
    assert level(year, "gld_pct", "social_care", "Child in need (ever)") == 0
    assert level(year, "gld_pct", "term_of_birth", "Autumn born") == 100
    assert level(year, "gld_pct", "term_of_birth", "Summer born") == 0


def test_care_leavers_own_answer_sits_beside_the_pa_judgement(year):
    assert level(year, "care_leavers_feel_safe_and_settled_pct", "pa_judgement",
                 "Judged suitable by PA") == 100
    assert level(year, "care_leavers_feel_safe_and_settled_pct", "pa_judgement",
                 "Judged unsuitable by PA") == 0
    assert level(year, "care_leavers_suitable_accommodation_17_18_pct", "accommodation_type",
                 "With former foster carers", "numerator") == 1


def test_breakdowns_add_up_to_the_total(year):
    rows = year[(year.indicator_id == "rereferrals_12m_pct")]
    for breakdown in ("sex", "ward", "ethnic_group", "imd_decile"):
        part = rows[rows.breakdown == breakdown]
        assert part.denominator.sum() == 4
    assert level(year, "rereferrals_12m_pct", "sex", "Female", "denominator") == 2


def test_unmet_need_counts_a_child_once_in_the_total_but_under_each_signal(year):
    assert level(year, "unmet_need_pct", "signal", "Homelessness approach", "numerator") == 1
    assert level(year, "unmet_need_pct", "signal", "Youth justice outcome", "numerator") == 0


def test_small_area_rates_use_scaled_small_area_populations(year):
    ward = level(year, "cla_rate_per_10k", "ward", "E05010885", "denominator")
    assert 0 < ward < BRISTOL_0_17


def test_monthly_series_from_the_event_tables(snapshot):
    series = compute(snapshot, ["referrals_rate_per_10k", "cla_rate_per_10k", "gld_pct"],
                     period=YEAR, by="month", breakdowns=[])
    referrals = series[series.indicator_id == "referrals_rate_per_10k"].set_index("period")
    assert len(referrals) == 12
    assert referrals.loc["2025-06", "numerator"] == 1
    assert referrals.loc["2025-08", "numerator"] == 0
    assert referrals["numerator"].sum() == 4
    cla = series[series.indicator_id == "cla_rate_per_10k"].set_index("period")
    assert cla.loc["2025-04", "numerator"] == 3  # P05, P08 (until October), P09
    assert cla.loc["2026-03", "numerator"] == 2  # P05, P06
    assert "gld_pct" not in set(series.indicator_id), "annual measures have no monthly series"


def test_quarterly_series_follow_the_financial_year(snapshot):
    series = compute(snapshot, ["referrals_rate_per_10k"], period=YEAR, by="quarter",
                     breakdowns=[])
    assert list(series.period) == ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"]
    assert list(series.numerator) == [2, 2, 0, 0]


def test_every_indicator_is_declared_completely():
    items = catalogue()
    assert len(items) > 90
    for item in items:
        assert item.outcome in OUTCOMES
        assert item.definition and item.title and item.units_sql
    ids = {item.id for item in items}
    for needed in ("gld_pct", "asq_all_five_pct", "toxic_trio_per_10k", "unmet_need_pct",
                   "placed_over_20_miles_pct", "care_leavers_eet_19_21_pct"):
        assert needed in ids


@pytest.mark.parametrize("period, message", [
    ("2025-4..2026-03", "not a month"),
    ("2026-03..2025-04", "ends before it starts"),
    ("April 2025", "not a month"),
])
def test_bad_periods_are_clear_errors(snapshot, period, message):
    with pytest.raises(KinsightError, match=message):
        compute(snapshot, ["gld_pct"], period=period)


def test_unknown_indicators_are_named(snapshot):
    with pytest.raises(KinsightError, match="no_such_thing"):
        compute(snapshot, ["no_such_thing"], period=YEAR)


def test_a_snapshot_missing_a_table_says_which(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    con.execute("CREATE TABLE persons (person_id VARCHAR)")
    with pytest.raises(KinsightError, match="snapshot lacks"):
        compute(con, ["gld_pct"], period=YEAR, la="801")


def test_a_library_entry_with_a_missing_field_is_refused():
    with pytest.raises(KinsightError, match="missing polarity"):
        parse_library("indicators:\n  - {id: x, title: t, outcome: safe, definition: d, "
                      "unit: percent, units: SELECT 1}\n")
