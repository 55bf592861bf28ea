"""``kinsight indicators``: EES files and a workbook, every figure through disclosure control."""

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from kinsight.outputs.ees_rules import check
from kinsight.outputs.release import publish_indicators

YEAR = "2025-04..2026-03"


@pytest.fixture(scope="module")
def release(warehouse_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    result = subprocess.run(
        [sys.executable, "-m", "kinsight", "indicators", "--snapshot", str(warehouse_path),
         "--period", YEAR, "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_writes_ees_pairs_that_pass_screening_and_a_workbook(release):
    names = sorted(p.name for p in release.iterdir())
    assert names == [
        "kinsight_comparators.csv", "kinsight_comparators.meta.csv",
        "kinsight_indicators.csv", "kinsight_indicators.meta.csv",
        "kinsight_indicators.xlsx",
        "kinsight_indicators_monthly.csv", "kinsight_indicators_monthly.meta.csv",
        "kinsight_indicators_quarterly.csv", "kinsight_indicators_quarterly.meta.csv",
    ]
    for path in release.glob("*.csv"):
        if not path.name.endswith(".meta.csv"):
            assert check(path) == [], path.name


def test_no_count_below_ten_leaves_the_warehouse(release):
    for path in release.glob("kinsight_indicators*.csv"):
        if path.name.endswith(".meta.csv"):
            continue
        data = pd.read_csv(path, dtype=str)
        for column in ("numerator", "denominator"):
            numbers = pd.to_numeric(data[column], errors="coerce").dropna()
            assert not ((numbers > 0) & (numbers < 10)).any(), (path.name, column)


def test_comparators_carry_published_values_and_hide_bands_of_hidden_values(release):
    data = pd.read_csv(release / "kinsight_comparators.csv", dtype=str).set_index("indicator")
    row = data.loc["Re-referrals within 12 months"]
    assert row.england_value == "22.6"
    assert (row.la_value, row.quartile, row["rank"]) == ("c", "c", "c")


def test_the_workbook_follows_the_analysis_function_layout(release):
    book = openpyxl.load_workbook(release / "kinsight_indicators.xlsx")
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert book.properties.title.startswith("Children's services indicators")
    for name in book.sheetnames[3:]:
        sheet = book[name]
        assert sheet["A1"].value and sheet["A2"].value
        assert list(sheet.tables), f"{name} holds its table as an Excel table"
        assert not sheet.merged_cells.ranges
    contents = [row[0] for row in book["Contents"].iter_rows(min_row=4, values_only=True)]
    assert contents[0] == "Notes" and contents[1:] == book.sheetnames[3:]


def test_a_period_that_is_not_a_year_writes_series_only(snapshot, tmp_path):
    written = publish_indicators(snapshot, tmp_path, "2025-06..2025-08", series=["month"],
                                 indicator_ids=["referrals_rate_per_10k"])
    assert sorted(p.name for p in written) == ["kinsight_indicators.xlsx",
                                               "kinsight_indicators_monthly.csv"]


def test_research_outputs_use_their_agreement_threshold(snapshot, tmp_path):
    publish_indicators(snapshot, tmp_path, YEAR, series=[], output_class="research",
                       threshold=2, indicator_ids=["referrals_rate_per_10k"])
    data = pd.read_csv(tmp_path / "kinsight_indicators.csv", dtype=str)
    total = data[(data.breakdown == "Total") & (data.geographic_level == "Local authority")]
    assert total.numerator.iloc[0] == "5"  # 4 referrals, rounded to 5 for research


@pytest.mark.parametrize("args, message", [
    (["--snapshot", "missing.duckdb"], "no such snapshot file"),
    (["--period", "2026"], "not a month"),
    (["--output-class", "tabloid"], "unknown output class"),
    (["--indicator", "happiness_index"], "unknown indicator"),
])
def test_user_errors_are_one_line_without_a_traceback(warehouse_path, tmp_path, args, message):
    base = ["--snapshot", str(warehouse_path), "--out", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-m", "kinsight", "indicators", *base, *args],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_catalogue_can_be_listed(warehouse_path):
    result = subprocess.run([sys.executable, "-m", "kinsight", "indicators", "--list"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "gld_pct\tChildren reaching a good level of development" in result.stdout
