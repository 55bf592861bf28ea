"""Small-area context: what a ward's figure would be expected to be given its deprivation, so no
area is judged for its deprivation (the funnel plot that shows it is drawn by
:mod:`kinsight.outputs.funnel`, after disclosure control).

The expected value comes from a weighted least-squares regression of the ward measure on the
ward's IMD 2019 score (or income score, the nearest official measure to IDACI), weighted by
the ward denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinsight.analysis import reference
from kinsight.analysis.catalogue import indicator
from kinsight.core.errors import KinsightError

DEPRIVATION_MEASURES = {"imd": "imd_score", "income": "income_score"}


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
    Raw: pass the ward rows through disclosure control before they leave (``outputs.funnel`` does).
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
