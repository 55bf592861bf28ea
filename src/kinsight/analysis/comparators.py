"""The LA beside its statistical neighbours, its region and England, as LAIT and the DfE
dashboard show it: the median of the 10 neighbours (the dashboard's choice; LAIT uses the
mean), the quartile band A–D among all LAs read through the measure's polarity (A is best),
the rank, and the direction of travel from the LA's last published figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinsight.analysis import reference
from kinsight.analysis.catalogue import Indicator, library
from kinsight.analysis.engine import TOTAL

COMPARATOR_COLUMNS = [
    "indicator_id", "period", "la_value", "published_year", "la_published_value",
    "sn_median_value", "region_value", "england_value", "quartile_band", "rank", "of_las",
    "direction",
]


def quartile_band(value: float, all_values: np.ndarray, polarity: str) -> str | None:
    """LAIT's band: A for the best quartile of LAs, D for the worst; none without polarity."""
    if polarity == "none" or np.isnan(value) or len(all_values) < 4:
        return None
    q1, q2, q3 = np.quantile(all_values, [0.25, 0.5, 0.75])
    if polarity == "high":
        position = 0 if value >= q3 else 1 if value >= q2 else 2 if value >= q1 else 3
    else:
        position = 0 if value < q1 else 1 if value < q2 else 2 if value < q3 else 3
    return "ABCD"[position]


def _rank(value: float, all_values: np.ndarray, polarity: str) -> int | None:
    """1 = best; for measures without polarity, 1 = highest (as LAIT ranks them)."""
    if np.isnan(value) or not len(all_values):
        return None
    better = all_values < value if polarity == "low" else all_values > value
    return int(better.sum()) + 1


def _direction(value: float, previous: float, polarity: str) -> str:
    if np.isnan(value) or np.isnan(previous):
        return "Not known"
    if np.isclose(value, previous):
        return "No change"
    if polarity == "none":
        return "Increased" if value > previous else "Decreased"
    improved = value > previous if polarity == "high" else value < previous
    return "Improved" if improved else "Worsened"


def trend(indicator_id: str, la: str | reference.LocalAuthority) -> pd.DataFrame:
    """The published series of one indicator by year: the LA, the median of its statistical
    neighbours, its region and England (``time_period, la_value, sn_median_value,
    region_value, england_value``), for a trend chart beside the LA's own latest figure."""
    la = reference.local_authority(la) if isinstance(la, str) else la
    table = reference.published()
    rows = table[table["indicator_id"] == indicator_id]
    level = rows["geographic_level"]
    las = rows[level == "Local authority"]
    neighbours = las[las["old_la_code"].isin(reference.statistical_neighbours(la))]
    series = {
        "la_value": las[las["old_la_code"] == la.old_la_code].set_index("time_period")["value"],
        "sn_median_value": neighbours.groupby("time_period")["value"].median(),
        "region_value": rows[(level == "Regional") & (rows["region_code"] == la.region_code)]
        .set_index("time_period")["value"],
        "england_value": rows[level == "National"].set_index("time_period")["value"],
    }
    frame = pd.DataFrame(series).rename_axis("time_period").reset_index()
    return frame.sort_values("time_period").reset_index(drop=True)


def _compare(item: Indicator, value: float, period: str, la: reference.LocalAuthority,
             neighbours: list[str]) -> dict:
    table = reference.published()
    rows = table[table["indicator_id"] == item.id]
    row = dict(indicator_id=item.id, period=period, la_value=value)
    if rows.empty:  # a measure only linked local data can give: nothing published to compare
        return row | {"direction": "Not published"}
    year = int(rows["time_period"].max())
    latest = rows[rows["time_period"] == year]
    las = latest[latest["geographic_level"] == "Local authority"]
    by_la = las.set_index("old_la_code")["value"]
    all_values = las["value"].to_numpy(dtype=float)
    region = latest[(latest["geographic_level"] == "Regional")
                    & (latest["region_code"] == la.region_code)]
    england = latest[latest["geographic_level"] == "National"]
    sn_values = by_la.reindex(neighbours).dropna()
    published_own = float(by_la.get(la.old_la_code, np.nan))
    row.update(
        published_year=year,
        la_published_value=published_own,
        sn_median_value=float(sn_values.median()) if len(sn_values) else np.nan,
        region_value=float(region["value"].iloc[0]) if len(region) else np.nan,
        england_value=float(england["value"].iloc[0]) if len(england) else np.nan,
        quartile_band=quartile_band(value, all_values, item.polarity),
        rank=_rank(value, all_values, item.polarity),
        of_las=len(all_values),
        direction=_direction(value, published_own, item.polarity),
    )
    return row


def comparators(results: pd.DataFrame, la: str | reference.LocalAuthority) -> pd.DataFrame:
    """For each indicator and period in ``results`` (from :func:`compute`), the LA's value beside
    the published statistical-neighbour median, region and England for the latest published
    year, its quartile band and rank among all LAs, and its direction of travel.

    Comparators come from published (already disclosure-controlled) statistics; the LA's own
    ``la_value`` is raw and must go through disclosure control with the results.
    """
    la = reference.local_authority(la) if isinstance(la, str) else la
    neighbours = reference.statistical_neighbours(la)
    items = library().indicators
    totals = results[results["breakdown"] == TOTAL]
    rows = [
        _compare(items[r.indicator_id], float(r.value), r.period, la, neighbours)
        for r in totals.itertuples()
    ]
    return pd.DataFrame(rows, columns=COMPARATOR_COLUMNS)
