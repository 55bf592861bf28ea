"""Plotly figures for the insight pages, as plain JSON-ready dicts.

Each chart is drawn in the browser by Plotly served from this service (no CDN, cloud sharing
off) and always sits beside a table of the same figures, because chart graphics are not
accessible to screen readers. Colours are the Analysis Function palette; suppressed cells are
left out of charts, never drawn as zero.
"""

from __future__ import annotations

from kinsight.web.insight.service import number

PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25"]
_LAYOUT = {"font": {"family": "Helvetica Neue, Helvetica, Arial, sans-serif", "size": 16},
           "margin": {"l": 60, "r": 20, "t": 20, "b": 60}, "showlegend": True,
           "legend": {"orientation": "h", "y": -0.2}}


def comparison(la_name: str, row: dict, unit: str) -> dict:
    labels = [la_name, "Statistical neighbours (median)", "Region", "England"]
    values = [number(row[k].replace(",", "")) for k in ("la", "sn", "region", "england")]
    return {"data": [{"type": "bar", "x": labels, "y": values, "marker": {"color": PALETTE[0]}, "name": unit}],
            "layout": {**_LAYOUT, "showlegend": False, "yaxis": {"title": {"text": unit}}}}


def trend(series, unit: str) -> dict:
    data = []
    for colour, (geography, part) in zip(PALETTE, series.groupby("geography", sort=False)):
        data.append({"type": "scatter", "mode": "lines+markers", "name": geography,
                     "x": [str(int(v)) for v in part["time_period"]], "y": [number(v) for v in part["value"]],
                     "line": {"color": colour}})
    return {"data": data, "layout": {**_LAYOUT, "yaxis": {"title": {"text": unit}}, "xaxis": {"type": "category"}}}


def breakdown(frame, unit: str) -> dict:
    return {"data": [{"type": "bar", "x": [str(v) for v in frame["level"]], "y": [number(v) for v in frame["value"]],
                      "marker": {"color": PALETTE[1]}, "name": unit}],
            "layout": {**_LAYOUT, "showlegend": False, "yaxis": {"title": {"text": unit}}}}
