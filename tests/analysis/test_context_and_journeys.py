"""Small-area context (deprivation-adjusted expectations, funnel plots) and journeys."""

import numpy as np
import pandas as pd
import pytest

from kinsight.analysis import reference
from kinsight.analysis.context import expected_given_deprivation
from kinsight.outputs.funnel import funnel
from kinsight.analysis.journeys import journeys, survival_figure, time_to_event
from kinsight.core.errors import KinsightError

YEAR = "2025-04..2026-03"


def bristol_wards():
    areas = reference.small_areas()
    codes = sorted(set(areas[areas.la_code == "E06000023"].ward19_code))
    scores = reference.wards().set_index("ward19_code").loc[codes, "imd_score"].astype(float)
    return scores


def ward_results(outlier=None):
    """GLD by ward falling 0.5 points per IMD point, 200 children a ward; one ward far off."""
    scores = bristol_wards()
    rows = [dict(indicator_id="gld_pct", period=YEAR, breakdown="Total", level="Total",
                 numerator=0.0, denominator=0.0, children=0, value=np.nan, gap=np.nan)]
    for code, score in scores.items():
        rate = 0.80 - 0.005 * score
        if code == outlier:
            rate -= 0.25
        numerator = round(200 * rate)
        rows.append(dict(indicator_id="gld_pct", period=YEAR, breakdown="ward", level=code,
                         numerator=float(numerator), denominator=200.0, children=200,
                         value=100 * numerator / 200, gap=0.0))
    frame = pd.DataFrame(rows)
    frame.loc[0, ["numerator", "denominator"]] = (frame.numerator[1:].sum(), frame.denominator[1:].sum())
    frame.loc[0, "value"] = 100 * frame.numerator[0] / frame.denominator[0]
    return frame


def test_expected_value_follows_the_deprivation_gradient():
    context = expected_given_deprivation(ward_results(), "gld_pct")
    assert len(context) == len(bristol_wards())
    assert context.attrs["slope_per_point"] == pytest.approx(-0.5, abs=0.02)
    assert (context.observed - context.expected).abs().max() < 0.5
    assert context.z.abs().max() < 1


def test_the_funnel_flags_the_ward_that_does_worse_than_its_deprivation_predicts():
    outlier = bristol_wards().index[3]
    chart = funnel(ward_results(outlier), "gld_pct", adjust_for_deprivation=True)
    flagged = chart["table"][chart["table"]["outside_99.8%"]]
    assert list(flagged.ward_code) == [outlier]
    traces = chart["figure"]["data"]
    assert traces[0]["type"] == "scatter" and len(traces[0]["x"]) == len(chart["table"])
    assert {t["name"] for t in traces} >= {"95% lower limit", "99.8% upper limit", "Target"}


def test_the_unadjusted_funnel_centres_on_the_la_value():
    results = ward_results()
    chart = funnel(results, "gld_pct")
    target = chart["figure"]["data"][1]["y"][0]
    assert target == pytest.approx(results.value[0])


def test_hidden_wards_are_not_drawn():
    results = ward_results()
    small = results.index[1]
    results.loc[small, ["numerator", "denominator"]] = (3.0, 5.0)
    chart = funnel(results, "gld_pct")
    assert results.level[small] not in set(chart["table"].ward_code)


def test_context_needs_wards_and_a_proportion(snapshot):
    with pytest.raises(KinsightError, match="no ward breakdown"):
        expected_given_deprivation(ward_results().iloc[:1], "gld_pct")
    with pytest.raises(KinsightError, match="percentage or a rate"):
        expected_given_deprivation(ward_results(), "sdq_mean_score")


def test_journeys_follow_children_between_services(snapshot):
    sankey = journeys(snapshot, YEAR, threshold=1)
    links = {(l["source"], l["target"]): l["children"] for l in sankey["links"]}
    assert links[("referral", "cp")] == 2  # P01 and P03
    assert links[("cp", "referral")] == 1  # P04's plan began before this referral
    figure = sankey["figure"]["data"][0]
    assert figure["type"] == "sankey" and sum(figure["link"]["value"]) == sum(links.values())


def test_small_flows_are_not_shown(snapshot):
    sankey = journeys(snapshot, YEAR)
    assert sankey["links"] == []
    assert sankey["suppressed_links"] >= 2


def test_time_to_re_referral_is_a_protected_life_table(snapshot):
    table = time_to_event(snapshot, "rereferral", YEAR, threshold=1)
    assert table.at_risk.iloc[0] == 7  # every referral up to 31 March 2026
    assert table.events.sum() == 2  # P01 came back after 5 months, P03 after 16
    assert table.survival.is_monotonic_decreasing
    assert time_to_event(snapshot, "rereferral", YEAR).empty, "fewer than 10 at risk"
    assert survival_figure(table, "Re-referral")["data"][0]["line"]["shape"] == "hv"
    with pytest.raises(KinsightError, match="unknown time-to-event"):
        time_to_event(snapshot, "moon_landing", YEAR)
