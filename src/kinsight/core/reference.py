"""Open reference data every package may use: local authorities, postcodes, LSOAs.

The tables live, trimmed, in ``kinsight/core/data`` (provenance and licences in
``docs/data-provenance.md``) and are read once per process::

    >>> la("E08000025").name
    'Birmingham'
    >>> lsoas("E08000025").column_names[:4]
    ['lsoa11', 'lsoa_name', 'ward_code', 'ward_name']

Grid references are British National Grid metres, so a distance between two
postcodes is plain Euclidean geometry; the 903 guidance measures placement
distance exactly so, in miles.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from math import hypot
from pathlib import Path

from kinsight.core.deferred import deferred
from kinsight.core.errors import KinsightError

pa = deferred("pyarrow")
pc = deferred("pyarrow.compute")
pacsv = deferred("pyarrow.csv")
pq = deferred("pyarrow.parquet")

_DATA = files("kinsight.core") / "data"
METRES_PER_MILE = 1609.3


@dataclass(frozen=True)
class LocalAuthority:
    """One of the 153 children's services local authorities in England."""

    code: str  #: ONS GSS code, e.g. E08000025
    dfe_code: str  #: DfE 3-digit LA number, e.g. 330
    name: str
    region_code: str
    region_name: str


@cache
def local_authorities() -> dict[str, LocalAuthority]:
    """Every LA by its ONS code, in DfE number order."""
    with (_DATA / "la_codes.csv").open(encoding="utf-8") as handle:
        return {
            row["new_la_code"]: LocalAuthority(
                row["new_la_code"], row["old_la_code"], row["la_name"],
                row["region9_code"], row["region9_name"],
            )
            for row in csv.DictReader(handle)
        }


def la(code: str) -> LocalAuthority:
    """The LA with this ONS code (E06/E08/E09/E10…) or DfE 3-digit number."""
    code = code.strip().upper()
    authorities = local_authorities()
    if code in authorities:
        return authorities[code]
    for authority in authorities.values():
        if authority.dfe_code == code:
            return authority
    raise KinsightError(
        f"unknown local authority code {code!r}: expected the ONS code of one of England's "
        "153 children's services LAs (for example E08000025) or its DfE number"
    )


@cache
def _postcodes() -> pa.Table:
    return pq.read_table(_DATA / "postcodes.parquet")


def postcodes(la_code: str | None = None) -> pa.Table:
    """The LA's postcodes (all England's without a code): ``postcode, la_code, lsoa11,
    easting, northing``."""
    table = _postcodes()
    if la_code is None:
        return table
    return table.filter(pc.equal(table["la_code"], la(la_code).code))


def postcode_files() -> list[Path]:
    """The postcode lookup as parquet files, for queries that read only the postcodes they
    need: England's (``postcode, la_code, lsoa11, easting, northing``) and the rest of the
    UK's (``postcode, la_code, easting, northing``, where ``la_code`` is the country as the
    903 codes it, ``WAL``, ``SCO`` or ``NIR``, or blank for the Channel Islands and the Isle
    of Man; their grid references may be blank)."""
    return [Path(str(_DATA / name)) for name in ("postcodes.parquet", "postcodes_outside_england.parquet")]


@cache
def _lsoas() -> pa.Table:
    options = pacsv.ConvertOptions(column_types={"lsoa11": pa.string(), "imd_decile": pa.int8()})
    return pacsv.read_csv(_DATA / "lsoas.csv.gz", convert_options=options)


def lsoas(la_code: str | None = None) -> pa.Table:
    """2011 LSOAs (all England, or one LA's) with ward, IMD 2019 decile and centroid.

    Columns: ``lsoa11, lsoa_name, ward_code, ward_name, la_code, easting, northing,
    imd_decile, income_decile, idaci_score_approx, children_0_15``.
    """
    table = _lsoas()
    if la_code is None:
        return table
    return table.filter(pc.equal(table["la_code"], la(la_code).code))


@cache
def _grid() -> dict[str, tuple[int, int]]:
    table = _postcodes()
    return dict(zip(table["postcode"].to_pylist(),
                    zip(table["easting"].to_pylist(), table["northing"].to_pylist())))


def normalise_postcode(postcode: str) -> str:
    """Upper case, one space before the three-character inward code."""
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def grid_reference(postcode: str) -> tuple[int, int] | None:
    """The postcode's (easting, northing), or None when it is not an English postcode."""
    return _grid().get(normalise_postcode(postcode))


def distance_miles(postcode_a: str, postcode_b: str) -> float | None:
    """Straight-line distance between two postcodes in miles, None if either is unknown."""
    a, b = grid_reference(postcode_a), grid_reference(postcode_b)
    if a is None or b is None:
        return None
    return hypot(a[0] - b[0], a[1] - b[1]) / METRES_PER_MILE
