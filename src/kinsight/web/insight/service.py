"""Indicator results for the dashboards, computed once per snapshot and period, always protected.

``kinsight.analysis`` computes every indicator over the current snapshot in one pass; the
result goes through ``kinsight.outputs.disclosure.protect_results`` before anything else sees
it, and the LA's own figure beside the comparators is taken from the protected table, never the
raw one. A snapshot never changes, so results are cached in memory by (snapshot, period).
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from kinsight.analysis import comparators, compute, journeys, reference
from kinsight.analysis.catalogue import OUTCOMES, Indicator, library
from kinsight.analysis.comparators import COMPARATOR_COLUMNS
from kinsight.analysis.comparators import trend as published_trend
from kinsight.analysis.engine import TOTAL, snapshot_la
from kinsight.core.errors import KinsightError
from kinsight.outputs.disclosure import protect_results
from kinsight.outputs.funnel import funnel
from kinsight.store import Warehouse
from kinsight.web import deployment

_lock = threading.Lock()
#: Breakdowns shown on an indicator's page, in the sector's words.
BREAKDOWN_LABELS = {"ward": "Ward", "imd_decile": "Deprivation decile (1 = most deprived)", "sex": "Sex",
                    "ethnic_group": "Ethnic group", "lsoa": "Small area (LSOA)"}


@dataclass(frozen=True)
class Results:
    snapshot_id: str
    period: str
    la: reference.LocalAuthority | None
    #: Raw results: only for analysis functions that protect what they return (never shown).
    raw: pd.DataFrame
    #: Protected results: every cell a number or a DfE symbol.
    protected: pd.DataFrame
    #: Comparators, with ``la_value`` replaced by the protected LA figure.
    comparison: pd.DataFrame


def default_period() -> str:
    """The latest collection year's financial year (April to March) in the current snapshot."""
    row = deployment.snapshot().execute("SELECT max(collection_year) FROM snapshot_info").fetchone()
    year = int(row[0]) if row and row[0] else 2026
    return f"{year - 1}-04..{year}-03"


def _current_snapshot():
    config = deployment.config()
    if config is None:
        raise KinsightError("no deployment is configured")
    return Warehouse.of(config).snapshot()


def results(period: str | None = None) -> Results:
    snapshot = _current_snapshot()
    with _lock:
        return _results(str(snapshot.path), snapshot.snapshot_id, period or default_period())


@lru_cache(maxsize=8)
def _results(path: str, snapshot_id: str, period: str) -> Results:
    con = deployment.snapshot()
    la = snapshot_la(con)
    raw = compute(con, period=period, la=la)
    protected = protect_results(raw)
    comparison = comparators(raw, la) if la else pd.DataFrame(columns=COMPARATOR_COLUMNS)
    totals = protected[protected["breakdown"] == TOTAL].set_index(["indicator_id", "period"])["value"]
    comparison["la_value"] = [totals.get((r.indicator_id, r.period)) for r in comparison.itertuples()]
    return Results(snapshot_id, period, la, raw, protected, comparison)


def shown(value) -> str:
    """A cell as published: a DfE symbol as it is, a number rounded, nothing as ``x``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "x"
    if isinstance(value, str):
        return value
    return f"{value:,.1f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:,.0f}"


def number(value) -> float | None:
    """A cell as a number for a chart; None for a symbol (charts leave suppressed cells out)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def dashboard(period: str | None = None) -> tuple[Results, dict[str, list[dict]]]:
    """Each outcome's indicators with the LA beside its neighbours, region and England."""
    found = results(period)
    items = library().indicators
    by_outcome: dict[str, list[dict]] = {}
    for row in found.comparison.itertuples():
        item = items[row.indicator_id]
        by_outcome.setdefault(OUTCOMES[item.outcome], []).append({
            "indicator": item, "la": shown(row.la_value), "sn": shown(row.sn_median_value),
            "region": shown(row.region_value), "england": shown(row.england_value),
            "band": row.quartile_band if isinstance(row.quartile_band, str) else "",
            "direction": row.direction, "year": shown(row.published_year),
        })
    return found, by_outcome


def indicator(indicator_id: str) -> Indicator:
    try:
        return library().indicators[indicator_id]
    except KeyError:
        raise KinsightError(f"no indicator {indicator_id!r}") from None


def breakdowns(found: Results, indicator_id: str) -> dict[str, pd.DataFrame]:
    rows = found.protected[(found.protected["indicator_id"] == indicator_id) & (found.protected["breakdown"] != TOTAL)]
    return {name: part for name, part in rows.groupby("breakdown", sort=False)}


#: The series of a published trend, as the trend chart and table name them.
TREND_SERIES = {"la_value": "This LA", "sn_median_value": "Statistical neighbours (median)",
                "region_value": "Region", "england_value": "England"}


def trend(found: Results, indicator_id: str) -> pd.DataFrame:
    """Published values by year (already disclosure-controlled): the LA, its neighbours' median,
    its region and England, one row per year and series."""
    if found.la is None:
        return pd.DataFrame(columns=["time_period", "geography", "value"])
    wide = published_trend(indicator_id, found.la)
    long = wide.melt(id_vars="time_period", var_name="geography", value_name="value").dropna(subset=["value"])
    long["geography"] = long["geography"].map(TREND_SERIES)
    return long.reset_index(drop=True)


def ward_funnel(found: Results, indicator_id: str) -> dict | None:
    """The funnel plot of wards (disclosure-controlled in kinsight.outputs.funnel), or None when
    the measure is not a percentage or rate, or too few wards have data."""
    try:
        return funnel(found.raw, indicator_id, period=found.period)
    except KinsightError:
        return None


def care_journeys(period: str | None = None) -> dict:
    """Children's journeys through services as Sankey data; small flows already dropped."""
    snapshot = _current_snapshot()
    with _lock:
        return _journeys(str(snapshot.path), period or default_period())


@lru_cache(maxsize=8)
def _journeys(path: str, period: str) -> dict:
    return journeys(deployment.snapshot(), period)


def export(found: Results, indicator_id: str, kind: str) -> tuple[bytes, str]:
    """The protected results of one indicator as CSV, or as an accessible xlsx workbook."""
    item = indicator(indicator_id)
    table = found.protected[found.protected["indicator_id"] == indicator_id].drop(columns=["period_start", "period_end"])
    table = table.map(shown) if hasattr(table, "map") else table.applymap(shown)
    if kind == "csv":
        return table.to_csv(index=False).encode("utf-8"), "text/csv; charset=utf-8"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        cover = pd.DataFrame({"": [item.title, item.definition, f"Period {found.period}; snapshot {found.snapshot_id}",
                                   "Symbols: c suppressed (small numbers), k rounds to zero, x not available, z not applicable"]})
        cover.to_excel(writer, sheet_name="Cover", index=False, header=False)
        table.to_excel(writer, sheet_name="Table 1", index=False, startrow=2)
        sheet = writer.sheets["Table 1"]
        sheet.write(0, 0, item.title)
        sheet.write(1, 0, "Every figure has been through disclosure control.")
        sheet.add_table(2, 0, 2 + len(table), len(table.columns) - 1,
                        {"columns": [{"header": str(c)} for c in table.columns], "name": "Table1", "style": None})
        writer.book.set_properties({"title": item.title})
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
