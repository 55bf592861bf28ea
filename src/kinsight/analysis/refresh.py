"""Rebuild the trimmed reference data in ``analysis/data/`` from the published sources.

Run ``python -m kinsight.analysis.refresh SOURCE_DIR`` where SOURCE_DIR holds the open data
described in ``analysis/data/README.md`` (the DfE dashboard's ``dfe/`` folder, ``imd/``,
``geography/`` and ``la_codes_2025.csv``). The product reads only the trimmed outputs; this
module is how they are regenerated when DfE publishes a new year.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from kinsight.analysis.catalogue import catalogue

DATA = Path(__file__).parent / "data"
#: Years of published statistics kept: enough for a five-year trend.
FIRST_YEAR = 2019
_GEOGRAPHY = ["time_period", "geographic_level", "region_code", "old_la_code"]


def _numeric(series: pd.Series) -> pd.Series:
    """Published values as numbers; DfE symbols (c, x, z, k, u, low) become missing."""
    return pd.to_numeric(series.astype(str).str.replace(",", ""), errors="coerce")


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame = frame[frame["time_identifier"] == "Reporting year"]
    frame = frame[frame["geographic_level"].isin(["National", "Regional", "Local authority"])]
    frame = frame.assign(time_period=frame["time_period"].astype(int))
    return frame[frame["time_period"] >= FIRST_YEAR]


def _filtered(frame: pd.DataFrame, where: dict[str, str] | None) -> pd.DataFrame:
    for column, value in (where or {}).items():
        frame = frame[frame[column].str.strip() == value]
    return frame


def _population(source: Path) -> pd.DataFrame:
    frame = _read(source / "dfe" / "ons_mid-year_population_estimates_2012_to_2024.csv")
    frame = frame.assign(population=_numeric(frame["population_estimate"]))
    return frame[_GEOGRAPHY + ["population"]]


def _published_values(source: Path, population: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, year and geography, from each indicator's ``published`` map."""
    tables = []
    for item in catalogue():
        spec = item.published
        if not spec:
            continue
        frame = _read(source / "dfe" / spec["file"])
        if "value" in spec:
            rows = _filtered(frame, spec.get("where"))
            value = _numeric(rows[spec["value"]])
            out = rows[_GEOGRAPHY].assign(value=value.values)
        elif "count" in spec:
            top = _filtered(frame, spec["numerator_where"]).set_index(_GEOGRAPHY)
            bottom = _filtered(frame, spec["denominator_where"]).set_index(_GEOGRAPHY)
            numerator = _numeric(top[spec["count"]])
            denominator = _numeric(bottom[spec["count"]]).reindex(numerator.index)
            out = (100 * numerator / denominator).rename("value").reset_index()
        else:
            rows = _filtered(frame, spec.get("where"))
            columns = spec["numerator"]
            columns = columns if isinstance(columns, list) else [columns]
            numerator = sum(_numeric(rows[column]) for column in columns)
            out = rows[_GEOGRAPHY].assign(numerator=numerator.values)
            if spec["denominator"] == "population":
                # DfE rates use the mid-year estimate of the calendar year before 31 March.
                pop = population.assign(time_period=population["time_period"] + 1)
                out = out.merge(pop, on=_GEOGRAPHY, how="left")
                out["value"] = 10_000 * out["numerator"] / out["population"]
            else:
                out["value"] = 100 * out["numerator"] / _numeric(rows[spec["denominator"]]).values
            out = out[_GEOGRAPHY + ["value"]]
        out = out.dropna(subset=["value"]).assign(indicator_id=item.id)
        tables.append(out)
    published = pd.concat(tables, ignore_index=True)
    published["value"] = published["value"].round(3)
    return published[["indicator_id"] + _GEOGRAPHY + ["value"]].sort_values(
        ["indicator_id", "time_period", "geographic_level", "region_code", "old_la_code"]
    )


def _statistical_neighbours(source: Path) -> pd.DataFrame:
    frame = pd.read_csv(source / "dfe" / "sn_model_2025_wide.csv", dtype=str, encoding="utf-8-sig")
    long = []
    for rank in range(1, 11):
        part = frame[["old_la_code", f"SN_{rank}", f"SN_{rank}P"]].copy()
        part.columns = ["old_la_code", "neighbour_old_la_code", "closeness"]
        part["rank"] = rank
        long.append(part)
    out = pd.concat(long, ignore_index=True)
    out["closeness"] = out["closeness"].str.strip().str.capitalize()
    return out.sort_values(["old_la_code", "rank"])


def _small_areas(source: Path) -> pd.DataFrame:
    geography = pd.read_csv(
        source / "geography" / "lookup_lsoa11_ward_la_england.csv.gz", dtype=str,
        usecols=["lsoa11_code", "ward19_code", "ward19_name", "la_code", "la_code_old"],
    )
    imd = pd.read_csv(
        source / "imd" / "imd2019_lsoa11_england.csv.gz", dtype=str,
        usecols=["lsoa11_code", "imd_decile", "idaci_score_approx", "pop_children_0_15_mid2015"],
    )
    return geography.merge(imd, on="lsoa11_code", how="left")


def _wards(source: Path) -> pd.DataFrame:
    return pd.read_csv(
        source / "imd" / "imd2019_ward19_england.csv.gz", dtype=str,
        usecols=["ward19_code", "ward19_name", "imd_score", "income_score"],
    )


def _postcode_sectors(source: Path) -> pd.DataFrame:
    postcodes = pd.read_csv(
        source / "geography" / "postcodes_england.csv.gz",
        usecols=["postcode", "easting", "northing"],
    )
    postcodes["sector"] = postcodes["postcode"].str[:-2]
    sectors = postcodes.groupby("sector", as_index=False)[["easting", "northing"]].mean()
    return sectors.round({"easting": 0, "northing": 0}).astype({"easting": int, "northing": int})


def refresh(source: Path, target: Path = DATA) -> None:
    """Write every trimmed reference file into ``target``."""
    population = _population(source)
    population.to_csv(target / "population_0_17.csv", index=False)
    _published_values(source, population).to_csv(
        target / "published.csv.gz", index=False, compression="gzip"
    )
    _statistical_neighbours(source).to_csv(target / "statistical_neighbours.csv", index=False)
    pd.read_csv(source / "la_codes_2025.csv", dtype=str).to_csv(
        target / "la_codes.csv", index=False
    )
    _small_areas(source).to_csv(target / "lsoa11.csv.gz", index=False, compression="gzip")
    _wards(source).to_csv(target / "wards.csv.gz", index=False, compression="gzip")
    _postcode_sectors(source).to_csv(
        target / "postcode_sectors.csv.gz", index=False, compression="gzip"
    )


if __name__ == "__main__":
    refresh(Path(sys.argv[1]))
