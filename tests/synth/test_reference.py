"""kinsight.core.reference: the small lookups other packages use."""

import pytest

from kinsight.core.errors import KinsightError
from kinsight.core.reference import distance_miles, grid_reference, la, lsoas, postcodes


def test_la_is_found_by_ons_code_or_dfe_number():
    assert la("E08000025").name == "Birmingham"
    assert la("330").code == "E08000025"
    assert la(" e06000042 ").dfe_code == "826"


def test_an_unknown_la_is_a_clear_error():
    with pytest.raises(KinsightError, match="unknown local authority code 'E99999999'"):
        la("E99999999")


def test_postcodes_and_lsoas_belong_to_the_la():
    codes = postcodes("E06000042")
    assert codes.num_rows > 5000
    assert set(codes["la_code"].to_pylist()) == {"E06000042"}
    areas = lsoas("E06000042")
    assert set(areas.column_names) >= {"lsoa11", "ward_code", "ward_name", "imd_decile"}
    assert set(codes["lsoa11"].to_pylist()) <= set(areas["lsoa11"].to_pylist())
    assert set(areas["imd_decile"].to_pylist()) <= set(range(1, 11))


def test_distance_between_postcodes_is_in_miles_on_the_national_grid():
    a, b = postcodes("E06000042")["postcode"][0].as_py(), postcodes("E08000025")["postcode"][0].as_py()
    assert grid_reference(a.lower().replace(" ", "")) == grid_reference(a)
    assert 40 < distance_miles(a, b) < 80  # Milton Keynes to Birmingham
    assert distance_miles(a, "ZZ9 9ZZ") is None
