"""Disclosure control: what may leave the warehouse, and what a reader can work out from it."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kinsight.core.errors import KinsightError
from kinsight.outputs.disclosure import (
    Line,
    feasible_range,
    protect,
    protect_results,
    recoverable_cells,
    round_count,
    rules_for,
    suppress,
)


def with_margins(inner: pd.DataFrame) -> pd.DataFrame:
    table = inner.copy()
    table.loc["Total"] = table.sum()
    table["Total"] = table.sum(axis=1)
    return table


def test_counts_below_the_threshold_are_hidden_and_true_zeros_are_shown():
    table = with_margins(pd.DataFrame({"CIN": [25, 3, 0], "CP": [12, 15, 30]}, index=list("ABC")))
    published = protect(table)
    assert published.loc["B", "CIN"] == "c"
    assert published.loc["C", "CIN"] == 0


def test_a_lonely_suppressed_cell_gets_a_complement_in_its_row_and_column():
    table = with_margins(pd.DataFrame({"CIN": [25, 3, 40], "CP": [12, 15, 30], "CLA": [5, 20, 18]},
                                      index=list("ABC")))
    published = protect(table)
    for label in ("A", "B", "CIN", "CLA"):
        line = published.loc[label] if label in published.index else published[label]
        assert (line == "c").sum() != 1
    assert recoverable_cells(published, table) == []
    # the complements chosen form a rectangle, rather than cascading through the table
    assert (published == "c").to_numpy().sum() == 4


def test_the_grand_total_alone_never_gives_away_a_one_way_table():
    table = pd.DataFrame({"children": [40, 4, 33, 21]}, index=["White", "Mixed", "Asian", "Black"])
    table.loc["Total"] = table.sum()
    published = protect(table)
    assert (published["children"] == "c").sum() == 2
    assert recoverable_cells(published, table) == []


def test_a_small_total_is_itself_suppressed():
    table = with_margins(pd.DataFrame({"a": [2, 1], "b": [3, 0]}, index=["x", "y"]))
    published = protect(table)
    assert published.loc["Total", "Total"] == "c"
    assert recoverable_cells(published, table) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrays(np.int64, st.tuples(st.integers(2, 5), st.integers(2, 5)),
           elements=st.one_of(st.integers(0, 12), st.integers(0, 60))),
    st.sampled_from(["both", "rows", "columns", "none"]),
)
def test_no_suppressed_cell_can_be_recovered_from_totals_or_differences(cells, margins):
    inner = pd.DataFrame(cells, index=[f"r{i}" for i in range(cells.shape[0])],
                         columns=[f"c{j}" for j in range(cells.shape[1])])
    table = inner.copy()
    if margins in ("both", "columns"):
        table.loc["Total"] = table.sum()
    if margins in ("both", "rows"):
        table["Total"] = table.sum(axis=1)
    published = protect(table)
    shown = published.to_numpy(dtype=object)
    truth = table.to_numpy()
    small = (truth > 0) & (truth < 10)
    assert all(shown[small] == "c"), "every count of 1 to 9 is hidden"
    assert all(shown[~(shown == "c")] == truth[~(shown == "c")]), "published cells are true"
    assert recoverable_cells(published, table) == []


def test_feasible_range_is_what_an_intruder_can_deduce():
    values = np.array([10.0, 4.0, 6.0])  # total, a, b
    lines = [Line(0, (1, 2))]
    hidden = np.array([False, True, False])
    assert feasible_range(values, lines, hidden, 1) == (4.0, 4.0)
    assert suppress(values, lines, threshold=5)[2], "the complement of 4 is hidden too"


def test_research_outputs_take_their_agreement_threshold_and_round():
    rules = rules_for("research", threshold=7)
    assert (rules.threshold, rules.rounding_base) == (7, 5)
    table = pd.DataFrame({"n": [8, 12, 33]}, index=list("abc"))
    assert list(protect(table, rules)["n"]) == [10, 10, 35]
    assert round_count(2, 5) == "k"
    assert round_count(0, 5) == 0


def test_bad_requests_are_clear_errors():
    with pytest.raises(KinsightError, match="unknown output class"):
        rules_for("press_release")
    with pytest.raises(KinsightError, match="at least 1"):
        rules_for("research", threshold=0)
    with pytest.raises(KinsightError, match="empty cells"):
        protect(pd.DataFrame({"n": [1.0, None]}))


def result_rows(levels: dict[str, list[tuple[str, float, float]]]) -> pd.DataFrame:
    rows = []
    for breakdown, items in levels.items():
        for level, numerator, denominator in items:
            rows.append(dict(indicator_id="rereferrals_12m_pct", period="2025-26",
                             breakdown=breakdown, level=level, numerator=numerator,
                             denominator=denominator, children=denominator,
                             value=100 * numerator / denominator if denominator else np.nan,
                             gap=np.nan if breakdown == "Total" else 1.0))
    return pd.DataFrame(rows)


def test_indicator_results_hide_a_small_level_and_its_complement_and_their_gaps():
    results = result_rows({
        "Total": [("Total", 30, 120)],
        "sex": [("Female", 14, 60), ("Male", 15, 56), ("Not known", 1, 4)],
        "ward": [("W1", 10, 40), ("W2", 20, 80)],
    })
    published = protect_results(results)
    sex = published[published["breakdown"] == "sex"].set_index("level")
    assert sex.loc["Not known", "numerator"] == "c"
    assert (sex["numerator"] == "c").sum() == 2
    assert set(sex["gap"]) == {"c"}
    assert "children" not in published
    wards = published[published["breakdown"] == "ward"]
    assert list(wards["numerator"]) == [10, 20]
    total = published[published["breakdown"] == "Total"].iloc[0]
    assert (total["numerator"], total["gap"]) == (30, "z")


def test_a_percentage_of_nobody_is_not_applicable():
    results = result_rows({"Total": [("Total", 0, 0)]})
    assert protect_results(results).iloc[0]["value"] == "z"
