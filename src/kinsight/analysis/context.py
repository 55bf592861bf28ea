"""Small-area context: what a ward's figure would be expected to be given its deprivation, and
funnel plots that show which wards differ by more than chance, so no area is judged for its
deprivation or for the noise of a small denominator.

The expected value comes from a weighted least-squares regression of the ward measure on the
ward's IMD 2019 score (or income score, the nearest official measure to IDACI), weighted by
the ward denominator; the funnel's control limits are the binomial 95% and 99.8% limits
around the target (the LA value, or each ward's expected value). Charts are returned as data:
a Plotly figure dict and the table behind it, for the web service to render.

Only wards whose figures survive disclosure control are drawn or listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinsight.analysis import reference
from kinsight.analysis.catalogue import indicator
from kinsight.core.errors import KinsightError

#: z for the two funnel limits: 95% (about 2 standard deviations) and 99.8% (about 3).
LIMITS = {"95%": 1.959964, "99.8%": 3.090232}
DEPRIVATION_MEASURES = {"imd": "imd_score", "income": "income_score"}
#: Analysis Function palette (ui-conventions §3.3).
COLOURS = ("#12436D", "#28A197", "#801650", "#F46A25", "#BFBFBF")


def _ward_rows(results: pd.DataFrame, indicator_id: str, period: str | None) -> pd.DataFrame:
    rows = results[(results["indicator_id"] == indicator_id) & (results["breakdown"] == "ward")]
    if period is not None:
        rows = rows[rows["period"] == period]
    elif rows["period"].nunique() > 1:
        raise KinsightError(f"{indicator_id}: several periods in the results; say which")
    rows = rows[rows["level"] != "Not known"]
    if rows.empty:
        raise KinsightError(f"{indicator_id}: no ward breakdown in the results")
    return rows


def expected_given_deprivation(results: pd.DataFrame, indicator_id: str, *,
                               period: str | None = None, measure: str = "imd") -> pd.DataFrame:
    """Each ward's observed value beside the value expected from its deprivation.

    Returns ward_code, ward_name, deprivation, numerator, denominator, observed, expected,
    ratio (observed ÷ expected × 100) and z (standardised residual under the binomial model).
    Raw: pass the ward rows through disclosure control before they leave (``funnel`` does).
    """
    if measure not in DEPRIVATION_MEASURES:
        raise KinsightError(f"unknown deprivation measure {measure!r}: imd or income")
    item = indicator(indicator_id)
    scale = {"percent": 100.0, "per_10k": 10_000.0}.get(item.unit)
    if scale is None:
        raise KinsightError(f"{indicator_id}: context needs a percentage or a rate")
    rows = _ward_rows(results, indicator_id, period)
    wards = reference.wards().set_index("ward19_code")
    column = DEPRIVATION_MEASURES[measure]
    frame = pd.DataFrame({
        "ward_code": rows["level"].to_numpy(),
        "ward_name": rows["level"].map(wards["ward19_name"]).to_numpy(),
        "deprivation": pd.to_numeric(rows["level"].map(wards[column]), errors="coerce").to_numpy(),
        "numerator": rows["numerator"].to_numpy(dtype=float),
        "denominator": rows["denominator"].to_numpy(dtype=float),
    })
    frame = frame[(frame["denominator"] > 0) & frame["deprivation"].notna()].reset_index(drop=True)
    if len(frame) < 3:
        raise KinsightError(f"{indicator_id}: fewer than 3 wards with data; no regression")
    proportion = frame["numerator"] / frame["denominator"]
    design = np.column_stack([np.ones(len(frame)), frame["deprivation"]])
    weights = np.sqrt(frame["denominator"].to_numpy())
    coefficients, *_ = np.linalg.lstsq(design * weights[:, None], proportion * weights, rcond=None)
    expected = np.clip(design @ coefficients, 1e-9, 1 - 1e-9)
    frame["observed"] = scale * proportion
    frame["expected"] = scale * expected
    frame["ratio"] = 100 * proportion / expected
    frame["z"] = (proportion - expected) / np.sqrt(expected * (1 - expected) / frame["denominator"])
    frame.attrs["slope_per_point"] = scale * coefficients[1]
    return frame


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
    from kinsight.outputs.disclosure import protect_results  # outputs sit right of analysis

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
