"""Explore Education Statistics (EES) tidy CSV files with their ``.meta.csv``.

Input is disclosure-controlled: :func:`indicator_table` takes the output of
:func:`kinsight.outputs.disclosure.protect_results`, never raw results. Each table is written
with :func:`write`, which checks it against :mod:`kinsight.outputs.ees_rules` first and writes
nothing if it fails, then moves the pair into place together.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kinsight.analysis import reference
from kinsight.analysis.catalogue import library
from kinsight.analysis.periods import Period
from kinsight.core.errors import KinsightError
from kinsight.outputs import ees_rules
from kinsight.outputs.disclosure import NOT_APPLICABLE, SYMBOLS, UNAVAILABLE

GEOGRAPHY_COLUMNS = ["time_period", "time_identifier", "geographic_level", "country_code",
                     "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
                     "la_name"]
META_COLUMNS = list(ees_rules.REQUIRED_META_COLUMNS) + ["filter_default"]



@dataclass(frozen=True)
class Table:
    """One EES data file and its metadata, ready to write."""

    name: str
    data: pd.DataFrame
    meta: pd.DataFrame


def time_columns(period: Period, series: str | None) -> tuple[str, str]:
    """EES ``time_period`` and ``time_identifier`` for a period of a series (or the whole)."""
    if series == "month":
        return str(period.start.year), ees_rules.MONTHS[period.start.month - 1]
    if series == "quarter":
        fy_end = period.collection_year
        quarter = ((period.start.month - 4) % 12) // 3 + 1
        return f"{fy_end - 1}{str(fy_end)[2:]}", f"Financial year Q{quarter}"
    if period.is_financial_year:
        return str(period.collection_year), "Reporting year"
    raise KinsightError(
        f"period {period.label}: EES files need a year April to March, or a monthly or "
        "quarterly series"
    )


def _la_columns(la: reference.LocalAuthority, level: str) -> dict[str, str]:
    return {"geographic_level": level, "country_code": "E92000001", "country_name": "England",
            "region_code": la.region_code, "region_name": la.region_name,
            "old_la_code": la.old_la_code, "new_la_code": la.new_la_code, "la_name": la.la_name}


def _cell(value, dps: int | None = None) -> str:
    """A value cell: a DfE symbol as it is, a number formatted, a missing value ``x``."""
    if isinstance(value, str):
        return value if value in SYMBOLS else UNAVAILABLE
    if value is None or pd.isna(value):
        return UNAVAILABLE
    if dps is None:
        return str(int(round(float(value))))
    return f"{float(value):.{dps}f}"


def _meta(rows: list[tuple]) -> pd.DataFrame:
    """Metadata rows from (col_name, col_type, label, unit, dp, grouping_column, default)."""
    records = [
        dict(col_name=name, col_type=kind, label=label, indicator_grouping="",
             indicator_unit=unit if kind == "Indicator" else "",
             indicator_dp="" if dp is None else str(dp), filter_hint="",
             filter_grouping_column=grouping, filter_default=default)
        for name, kind, label, unit, dp, grouping, default in rows
    ]
    return pd.DataFrame(records, columns=META_COLUMNS)


def indicator_table(protected: pd.DataFrame, la: reference.LocalAuthority,
                    periods: dict[str, Period], series: str | None,
                    name: str = "kinsight_indicators") -> Table:
    """Indicator results as EES rows: LA rows for the total and each breakdown, and Ward rows
    for the ward breakdown (LSOAs are not an EES geography and stay in the workbook)."""
    items = library().indicators
    ward_names = reference.wards().set_index("ward19_code")["ward19_name"].to_dict()
    rows = []
    for r in protected.itertuples(index=False):
        if r.breakdown == "lsoa":
            continue
        item = items[r.indicator_id]
        time_period, time_identifier = time_columns(periods[r.period], series)
        is_ward = r.breakdown == "ward" and r.level in ward_names
        row = {"time_period": time_period, "time_identifier": time_identifier,
               **_la_columns(la, "Ward" if is_ward else "Local authority"),
               "ward_code": r.level if is_ward else "",
               "ward_name": ward_names.get(r.level, "") if is_ward else "",
               "outcome": item.outcome_title, "indicator": item.title,
               "breakdown": "Total" if is_ward else r.breakdown.replace("_", " ").capitalize(),
               "breakdown_level": "Total" if is_ward else str(r.level),
               "numerator": _cell(r.numerator, 1 if item.unit == "mean" else None),
               "denominator": _cell(r.denominator),
               "value": _cell(r.value, item.dps),
               "gap": NOT_APPLICABLE if r.gap == NOT_APPLICABLE else _cell(r.gap, item.dps)}
        rows.append(row)
    data = pd.DataFrame(rows)
    first = data["indicator"].iloc[0] if len(data) else ""
    meta = _meta([
        ("indicator", "Filter", "Indicator", "", None, "outcome", first),
        ("breakdown", "Filter", "Breakdown", "", None, "", "Total"),
        ("breakdown_level", "Filter", "Breakdown level", "", None, "", "Total"),
        ("numerator", "Indicator", "Numerator (children, referrals or episodes counted)",
         "", None, "", ""),
        ("denominator", "Indicator", "Denominator (units counted, or 0 to 17 population)",
         "", 0, "", ""),
        ("value", "Indicator", "Value (percentage, rate per 10,000 or mean)", "", 1, "", ""),
        ("gap", "Indicator", "Gap to all other children in the breakdown", "", 1, "", ""),
    ])
    return Table(name, data, meta)


def comparator_table(compared: pd.DataFrame, la: reference.LocalAuthority,
                     periods: dict[str, Period], name: str = "kinsight_comparators") -> Table:
    """The LA's headline value beside published comparators, one row per indicator; takes the
    output of :func:`kinsight.outputs.disclosure.protect_comparators`."""
    items = library().indicators
    rows = []
    for c in compared.itertuples(index=False):
        item = items[c.indicator_id]
        time_period, time_identifier = time_columns(periods[c.period], None)
        band = c.quartile_band
        if band in ("A", "B", "C", "D"):
            band = str("ABCD".index(band) + 1)
        rows.append({
            "time_period": time_period, "time_identifier": time_identifier,
            **_la_columns(la, "Local authority"),
            "outcome": item.outcome_title, "indicator": item.title,
            "la_value": _cell(c.la_value, item.dps),
            "published_year": _cell(c.published_year),
            "la_published_value": _cell(c.la_published_value, item.dps),
            "sn_median_value": _cell(c.sn_median_value, item.dps),
            "region_value": _cell(c.region_value, item.dps),
            "england_value": _cell(c.england_value, item.dps),
            "quartile": band if isinstance(band, str) else NOT_APPLICABLE,
            "rank": NOT_APPLICABLE if item.polarity == "none" else _cell(c.rank),
        })
    data = pd.DataFrame(rows)
    first = data["indicator"].iloc[0] if len(data) else ""
    meta = _meta([
        ("indicator", "Filter", "Indicator", "", None, "outcome", first),
        ("la_value", "Indicator", "This LA, Kinsight (latest linked data)", "", 1, "", ""),
        ("published_year", "Indicator", "Year of the published comparators", "numberstring", 0,
         "", ""),
        ("la_published_value", "Indicator", "This LA, published by DfE", "", 1, "", ""),
        ("sn_median_value", "Indicator", "Median of the 10 statistical neighbours", "", 1, "", ""),
        ("region_value", "Indicator", "Region", "", 1, "", ""),
        ("england_value", "Indicator", "England", "", 1, "", ""),
        ("quartile", "Indicator", "Quartile among all LAs (1 = best, LAIT band A)", "", 0, "", ""),
        ("rank", "Indicator", "Rank among all LAs (1 = best)", "", 0, "", ""),
    ])
    return Table(name, data, meta)


def write(table: Table, directory: Path) -> Path:
    """Write ``<name>.csv`` and ``<name>.meta.csv`` (UTF-8) if they pass every EES rule."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".ees-") as staging:
        staged = Path(staging) / f"{table.name}.csv"
        table.data.to_csv(staged, index=False, encoding="utf-8")
        table.meta.to_csv(staged.with_name(f"{table.name}.meta.csv"), index=False, encoding="utf-8")
        problems = ees_rules.check(staged)
        if problems:
            raise KinsightError(
                f"{table.name}: would not pass EES screening: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            )
        for suffix in (".csv", ".meta.csv"):
            os.replace(Path(staging) / f"{table.name}{suffix}", directory / f"{table.name}{suffix}")
    return directory / f"{table.name}.csv"
