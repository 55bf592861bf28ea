"""Funnel plots of wards: which differ from the LA, or from what their deprivation predicts,
by more than chance — drawn only from figures that survive disclosure control.

The control limits are the binomial 95% and 99.8% limits around the target (the LA value, or
each ward's expected value from :func:`kinsight.analysis.expected_given_deprivation`). The chart
is returned as data: a Plotly figure dict and the table behind it, for the web service to render.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinsight.analysis.catalogue import indicator
from kinsight.analysis.context import expected_given_deprivation
from kinsight.outputs.disclosure import protect_results

#: z for the two funnel limits: 95% (about 2 standard deviations) and 99.8% (about 3).
LIMITS = {"95%": 1.959964, "99.8%": 3.090232}
#: Analysis Function palette (ui-conventions §3.3).
COLOURS = ("#12436D", "#28A197", "#801650", "#F46A25", "#BFBFBF")


def _limits(target: float, sizes: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    spread = z * np.sqrt(target * (1 - target) / sizes)
    return np.clip(target - spread, 0, 1), np.clip(target + spread, 0, 1)


def funnel(results: pd.DataFrame, indicator_id: str, *, period: str | None = None,
           adjust_for_deprivation: bool = False, output_class: str = "official_statistics") -> dict:
    """A funnel plot of the indicator's wards, as ``{"figure": plotly dict, "table": rows}``.

    Unadjusted, each ward is plotted against the LA value with limits that narrow as the
    denominator grows. Adjusted for deprivation, each ward's ratio of observed to expected
    (100 = as expected for its deprivation) is plotted against its expected count, with
    limits around 100. Wards hidden by disclosure control are left out of both.
    """
    item = indicator(indicator_id)
    scale = 100.0 if item.unit == "percent" else 10_000.0
    chosen = results[results["indicator_id"] == indicator_id]
    if period is not None:
        chosen = chosen[chosen["period"] == period]
    protected = protect_results(chosen, output_class)
    shown = set(protected[(protected["breakdown"] == "ward")
                          & (protected["numerator"] != "c")]["level"])
    context = expected_given_deprivation(chosen, indicator_id, period=period)
    table = context[context["ward_code"].isin(shown)].reset_index(drop=True)
    total = chosen[chosen["breakdown"] == "Total"].iloc[0]
    target = float(total["numerator"]) / float(total["denominator"])
    if adjust_for_deprivation:
        x = table["expected"] / scale * table["denominator"]
        y = table["ratio"]
        sizes = np.linspace(max(x.min(), 1) if len(x) else 1, max(x.max(), 2) if len(x) else 2, 60)
        limits = {name: (100 * (1 - z / np.sqrt(sizes)), 100 * (1 + z / np.sqrt(sizes)))
                  for name, z in LIMITS.items()}
        centre, x_title, y_title = 100.0, "Expected count", "Observed ÷ expected × 100"
    else:
        x = table["denominator"]
        y = table["observed"]
        sizes = np.linspace(max(x.min(), 1) if len(x) else 1, max(x.max(), 2) if len(x) else 2, 60)
        limits = {name: tuple(scale * v for v in _limits(target, sizes, z))
                  for name, z in LIMITS.items()}
        centre, x_title, y_title = scale * target, "Denominator", item.title
    for name, z in LIMITS.items():
        low, high = (np.interp(x, sizes, limits[name][0]), np.interp(x, sizes, limits[name][1]))
        table[f"outside_{name}"] = (y < low) | (y > high)
    traces = [{"type": "scatter", "mode": "markers", "name": "Wards", "x": list(map(float, x)),
               "y": list(map(float, y)), "text": list(table["ward_name"]),
               "marker": {"color": COLOURS[0], "size": 8}}]
    traces.append({"type": "scatter", "mode": "lines", "name": "Target",
                   "x": [float(sizes[0]), float(sizes[-1])], "y": [centre, centre],
                   "line": {"color": COLOURS[4]}})
    for (name, (low, high)), colour in zip(limits.items(), COLOURS[1:3]):
        for side, values in (("lower", low), ("upper", high)):
            traces.append({"type": "scatter", "mode": "lines", "name": f"{name} {side} limit",
                           "x": list(map(float, sizes)), "y": list(map(float, values)),
                           "line": {"color": colour, "dash": "dash"}})
    figure = {"data": traces, "layout": {
        "title": {"text": f"{item.title}: wards against "
                          f"{'deprivation' if adjust_for_deprivation else 'the LA'}"},
        "xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}},
    }}
    return {"figure": figure, "table": table}
