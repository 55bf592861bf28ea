"""Insight: indicators beside neighbours, region and England; breakdowns, funnel, downloads;
every figure through disclosure control."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(signed_in, deployment):
    return signed_in("analyst")


def test_the_dashboard_puts_the_la_beside_neighbours_region_and_england(analyst):
    page = analyst.get("/insight/").content.decode()
    assert "Milton Keynes" in page
    for heading in ("This LA", "Neighbours", "Region", "England", "Band"):
        assert heading in page
    assert "Referrals per 10,000 children" in page


def test_an_indicator_page_has_charts_each_with_a_table_and_downloads(analyst):
    page = analyst.get("/insight/indicators/referral_nfa_pct/").content.decode()
    charts = re.findall(r'data-kinsight-chart="([\w-]+)"', page)
    assert "chart-comparison" in charts and "chart-trend" in charts
    for chart in charts:
        assert f'<script id="{chart}" type="application/json">' in page
    assert page.count("<table") >= len(charts)
    assert "/static/plotly/plotly.min.js" in page
    assert "Download the data (CSV)" in page


def test_small_numbers_are_suppressed_in_breakdowns(analyst):
    page = analyst.get("/insight/indicators/referrals_rate_per_10k/").content.decode()
    assert ">c<" in page  # each deprivation decile holds fewer than 10 referrals


def test_a_percentage_by_ward_gets_a_funnel_plot(analyst):
    page = analyst.get("/insight/indicators/referral_nfa_pct/").content.decode()
    assert "Which wards stand out" in page or "chart-funnel" not in page


def test_downloads_are_protected_csv_and_an_excel_table(analyst):
    csv = analyst.get("/insight/indicators/referrals_rate_per_10k/data.csv").content.decode()
    assert csv.splitlines()[0].startswith("indicator_id")
    assert ",c," in csv
    xlsx = analyst.get("/insight/indicators/referrals_rate_per_10k/data.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Cover", "Table 1"]
    assert book["Table 1"]["A1"].value == "Referrals per 10,000 children"
    assert "Table1" in book["Table 1"].tables


def test_unknown_indicators_and_formats_are_not_found(analyst):
    assert analyst.get("/insight/indicators/nonsense/").status_code == 404
    assert analyst.get("/insight/indicators/referrals_rate_per_10k/data.pdf").status_code == 404


def test_a_bad_period_falls_back_to_the_default(analyst):
    assert analyst.get("/insight/?period=yesterday").status_code == 200


@pytest.mark.parametrize("role", ["social_worker", "family", "dpo", "admin"])
def test_roles_without_insight_are_refused(signed_in, deployment, role):
    assert signed_in(role).get("/insight/").status_code == 403


def test_journeys_are_a_sankey_with_a_table_and_small_flows_dropped(analyst):
    page = analyst.get("/insight/journeys/").content.decode()
    assert "chart-journeys" in page and '"type": "sankey"' in page
    assert "Every flow in the diagram" in page and "Flows of fewer than 10 children are not shown" in page
