"""Comparators: statistical neighbours, region and England from the published statistics."""

import numpy as np
import pandas as pd
import pytest

from kinsight.analysis import reference
from kinsight.analysis.comparators import comparators, quartile_band, trend

BRISTOL = reference.local_authority("801")


def one_result(indicator_id, value):
    return pd.DataFrame([dict(indicator_id=indicator_id, period="2025-04..2026-03",
                              breakdown="Total", level="Total", value=value)])


def test_england_and_region_match_the_published_figures():
    row = comparators(one_result("rereferrals_12m_pct", 20.0), "801").iloc[0]
    assert row.published_year == 2025
    assert row.england_value == pytest.approx(22.6)
    series = trend("rereferrals_12m_pct", BRISTOL).set_index("time_period")
    assert row.region_value == pytest.approx(series.loc[2025, "region_value"])
    assert row.sn_median_value == pytest.approx(series.loc[2025, "sn_median_value"])


def test_statistical_neighbour_median_is_the_median_of_the_ten():
    table = reference.published()
    latest = table[(table.indicator_id == "cla_rate_per_10k") & (table.time_period == 2025)
                   & (table.geographic_level == "Local authority")].set_index("old_la_code")
    neighbours = reference.statistical_neighbours(BRISTOL)
    assert len(neighbours) == 10
    expected = np.median(latest.loc[neighbours, "value"])
    row = comparators(one_result("cla_rate_per_10k", 70.0), BRISTOL).iloc[0]
    assert row.sn_median_value == pytest.approx(expected)
    assert 150 <= row.of_las <= 153  # City of London and Scilly are often suppressed


@pytest.mark.parametrize("value, polarity, band", [
    (90, "high", "A"), (10, "high", "D"), (10, "low", "A"), (90, "low", "D"), (50, "none", None),
])
def test_quartile_bands_read_through_polarity(value, polarity, band):
    assert quartile_band(value, np.arange(0, 101, dtype=float), polarity) == band


def test_direction_of_travel_uses_polarity():
    latest = trend("rereferrals_12m_pct", BRISTOL).la_value.iloc[-1]
    better = comparators(one_result("rereferrals_12m_pct", latest - 5), BRISTOL).iloc[0]
    worse = comparators(one_result("rereferrals_12m_pct", latest + 5), BRISTOL).iloc[0]
    assert (better.direction, worse.direction) == ("Improved", "Worsened")
    assert better["rank"] < worse["rank"]


def test_indicators_dfe_does_not_publish_have_no_comparators():
    row = comparators(one_result("unmet_need_pct", 40.0), BRISTOL).iloc[0]
    assert row.la_value == 40.0
    assert pd.isna(row.england_value)
    assert row.direction == "Not published"


def test_trend_runs_over_the_published_years():
    series = trend("cla_rate_per_10k", "801")
    assert list(series.time_period) == [2021, 2022, 2023, 2024, 2025]
    assert series.england_value.iloc[-1] == pytest.approx(67)
    assert series.notna().all().all()
