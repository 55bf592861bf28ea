"""The published statistics and small-area reference data shipped in ``analysis/data/``.

Everything here is open data (OGL v3; provenance in ``analysis/data/README.md``), trimmed by
:mod:`kinsight.analysis.refresh`. Readers are cached: the files are small and read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from kinsight.core.errors import KinsightError


def _read(name: str, **options) -> pd.DataFrame:
    with (resources.files("kinsight.analysis") / "data" / name).open("rb") as handle:
        return pd.read_csv(
            handle, compression="gzip" if name.endswith(".gz") else None, **options
        )


@dataclass(frozen=True)
class LocalAuthority:
    """A children's services LA as DfE's 2025 statistics know it."""

    old_la_code: str
    new_la_code: str
    la_name: str
    region_code: str
    region_name: str
    #: The 0–17 population a deployment declares for itself (a synthetic LA, or one whose
    #: children's services cover a different area); None means the ONS estimate.
    population_0_17: int | None = None


@cache
def _la_codes() -> pd.DataFrame:
    return _read("la_codes.csv", dtype=str)


def local_authority(code: str) -> LocalAuthority:
    """An LA by its 3-digit DfE code (``201``) or its GSS code (``E09000001``)."""
    frame = _la_codes()
    code = str(code).strip()
    rows = frame[(frame["old_la_code"] == code) | (frame["new_la_code"] == code.upper())]
    if rows.empty:
        raise KinsightError(f"unknown local authority code {code!r}")
    row = rows.iloc[0]
    return LocalAuthority(
        row["old_la_code"], row["new_la_code"], row["la_name"], row["region_code"],
        row["region_name"],
    )


def all_local_authorities() -> list[LocalAuthority]:
    return [local_authority(code) for code in _la_codes()["old_la_code"]]


@cache
def _population() -> pd.DataFrame:
    return _read("population_0_17.csv", dtype={"old_la_code": str, "region_code": str})


@cache
def population(la: LocalAuthority, collection_year: int) -> float:
    """The ONS mid-year 0–17 population DfE uses for a collection year (the mid-year before
    31 March), or the latest published if that year is not out yet; a population the
    deployment declares for itself comes first."""
    if la.population_0_17:
        return float(la.population_0_17)
    frame = _population()
    rows = frame[frame["old_la_code"] == la.old_la_code].dropna(subset=["population"])
    if rows.empty:
        raise KinsightError(f"no ONS population for {la.la_name}")
    years = rows[rows["time_period"] <= collection_year - 1]
    chosen = years if not years.empty else rows
    return float(chosen.sort_values("time_period").iloc[-1]["population"])


@cache
def small_areas() -> pd.DataFrame:
    """Every 2011 LSOA in England with its ward (2019), LA, IMD decile and child population."""
    return _read("lsoa11.csv.gz", dtype={"la_code_old": str, "imd_decile": str})


@cache
def area_populations(la: LocalAuthority, collection_year: int) -> dict[str, dict[str, float]]:
    """0–17 populations of the LA's wards, LSOAs and IMD deciles.

    The IoD2019 0–15 counts per LSOA are scaled so they add up to the ONS 0–17 population of
    the LA: small-area rates then sum to the LA rate, which matters more than the small
    difference between the age ranges.
    """
    areas = small_areas()
    areas = areas[areas["la_code"] == la.new_la_code]
    weights = areas["pop_children_0_15_mid2015"].fillna(0)
    scale = population(la, collection_year) / weights.sum() if weights.sum() else 0.0
    scaled = areas.assign(population=weights * scale)
    return {
        "ward": scaled.groupby("ward19_code")["population"].sum().to_dict(),
        "lsoa": scaled.set_index("lsoa11_code")["population"].to_dict(),
        "imd_decile": scaled.groupby("imd_decile")["population"].sum().to_dict(),
    }


@cache
def wards() -> pd.DataFrame:
    """December 2019 wards with names and IMD 2019 scores (population-weighted)."""
    return _read("wards.csv.gz", dtype={"ward19_code": str})


@cache
def postcode_sectors() -> pd.DataFrame:
    """Postcode sector (``AB1 2``) centroids in British National Grid metres."""
    return _read("postcode_sectors.csv.gz")


@cache
def published() -> pd.DataFrame:
    """Published values of each indicator by year and geography (National, Regional, LA)."""
    return _read(
        "published.csv.gz", dtype={"old_la_code": str, "region_code": str}
    ).fillna({"old_la_code": "", "region_code": ""})


@cache
def statistical_neighbours_table() -> pd.DataFrame:
    return _read("statistical_neighbours.csv", dtype=str)


def statistical_neighbours(la: LocalAuthority) -> list[str]:
    """The 3-digit codes of the LA's 10 statistical neighbours (2025 model), closest first."""
    table = statistical_neighbours_table()
    return list(table[table["old_la_code"] == la.old_la_code]["neighbour_old_la_code"])
