"""Standardising names, dates and postcodes before they are compared."""

from datetime import date

import duckdb
import pyarrow as pa

from kinsight.linkage.standardise import (
    conform,
    features_sql,
    forename_variants,
    register_forename_variants,
)


def _features(**columns):
    n = len(next(iter(columns.values())))
    table = conform(pa.table({"source": ["s"] * n, "record_id": [str(i) for i in range(n)], **columns}))
    table = table.append_column("rid", pa.array(range(n), pa.int64()))
    con = duckdb.connect()
    register_forename_variants(con)
    con.register("records", table)
    return con.execute(f"SELECT * FROM ({features_sql('records')}) ORDER BY rid").to_arrow_table().to_pylist()


def test_names_lose_case_accents_and_punctuation():
    rows = _features(forename=["ZOË-Mae", " José "], surname=["O'Brien", "Smith-Jones"])
    assert rows[0]["forename"] == "zoemae" and rows[1]["forename"] == "jose"
    assert rows[0]["surname"] == "obrien"
    assert rows[1]["surname"] == "smithjones" and rows[1]["surname_parts"] == ["smith", "jones"]


def test_short_forms_and_transliterations_share_a_canonical_forename():
    rows = _features(forename=["Alfie", "Alfred", "Mohammed", "Muhammad", "Mohamed", "Zebedee"])
    canon = [r["forename_canon"] for r in rows]
    assert canon[0] == canon[1] == "alfred"
    assert canon[2] == canon[3] == canon[4] == "muhammad"
    assert canon[5] == "zebedee"  # a name not in the table is its own canonical form


def test_the_short_form_table_maps_each_variant_once():
    variants = forename_variants()
    assert variants["mo"] == "muhammad" and variants["libby"] == "elizabeth"
    assert all(v == v.lower() and " " not in v for v in variants)


def test_invalid_identifiers_are_dropped_from_the_features_but_valid_ones_kept():
    rows = _features(nhs_number=["943 476 5919", "9434765918", None])
    assert [r["nhs_number"] for r in rows] == ["9434765919", None, None]


def test_dates_of_birth_give_a_day_month_transposition_and_postcodes_their_sector_and_district():
    rows = _features(dob=pa.array([date(2015, 3, 4), date(2015, 3, 25)]), postcode=["ls6 2ez", "LS62EZ"])
    assert rows[0]["dob_swapped"] == date(2015, 4, 3)
    assert rows[1]["dob_swapped"] is None  # day 25 cannot be a month
    assert rows[0]["postcode"] == rows[1]["postcode"] == "LS62EZ"
    assert rows[0]["postcode_sector"] == "LS62" and rows[0]["postcode_district"] == "LS6"


def test_adoption_markers_are_read_as_pre_or_post():
    rows = _features(adoption=["Pre-adoption", "POST", None])
    assert [r["adoption"] for r in rows] == ["pre", "post", None]
