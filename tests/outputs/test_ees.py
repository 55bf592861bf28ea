"""EES files: the checker knows the rules, and what Kinsight writes passes them."""

import csv
from pathlib import Path

import pytest

from kinsight.outputs.ees_rules import check

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
          "region_name,old_la_code,new_la_code,la_name,indicator,value\n")
ROW = ("2026,Reporting year,Local authority,E92000001,England,E12000009,South West,801,"
       "E06000023,\"Bristol, City of\",{indicator},{value}\n")
META = ("col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,"
        "filter_grouping_column\nindicator,Filter,Indicator,,,,,\nvalue,Indicator,Value,,%,1,,\n")


def pair(tmp_path: Path, data: str, meta: str = META, name: str = "good_file") -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(data, encoding="utf-8")
    path.with_name(f"{name}.meta.csv").write_text(meta, encoding="utf-8")
    return path


def messages(path):
    return [str(problem) for problem in check(path)]


def test_a_well_formed_pair_passes(tmp_path):
    data = HEADER + ROW.format(indicator="Total", value="12.5") + ROW.format(indicator="A", value="c")
    assert check(pair(tmp_path, data)) == []


@pytest.mark.parametrize("value, ok", [("12", True), ("-3.5", True), ("c", True), ("z", True),
                                       ("low", True), ("", False), ("~", False), (":", False),
                                       ("n/a", False)])
def test_indicator_cells_are_numbers_or_ees_symbols(tmp_path, value, ok):
    data = HEADER + ROW.format(indicator="Total", value=value)
    assert (check(pair(tmp_path, data)) == []) is ok


def test_problems_name_the_file_row_and_field(tmp_path):
    data = HEADER + ROW.format(indicator="Total", value="1") + ROW.format(indicator="A", value="~")
    assert messages(pair(tmp_path, data)) == [
        "good_file.csv, row 2, field value: '~' is neither a number nor an EES symbol"
    ]


def test_time_rules(tmp_path):
    data = HEADER + ROW.format(indicator="Total", value="1").replace("2026,Reporting year", "2025,Academic year")
    assert any("should be 6 digits" in m for m in messages(pair(tmp_path, data)))
    mixed = HEADER + ROW.format(indicator="Total", value="1") + ROW.format(
        indicator="A", value="1").replace("2026,Reporting year", "2026,January")
    assert any("different groups" in m for m in messages(pair(tmp_path, mixed)))
    odd = HEADER + ROW.format(indicator="Total", value="1").replace("2026,Reporting year", "202527,Financial year")
    assert any("consecutive" in m for m in messages(pair(tmp_path, odd)))


def test_geography_rules(tmp_path):
    data = HEADER + ROW.format(indicator="Total", value="1").replace("E06000023", "")
    assert any("must fill new_la_code" in m for m in messages(pair(tmp_path, data)))
    data = HEADER + ROW.format(indicator="Total", value="1").replace("Local authority", "Town")
    assert any("not a geographic level" in m for m in messages(pair(tmp_path, data)))
    data = HEADER + ROW.format(indicator="Total", value="1").replace("E06000023", "801X")
    assert any("not a Local authority code" in m for m in messages(pair(tmp_path, data)))


def test_names_and_encoding(tmp_path):
    data = HEADER.replace("value", "Value %") + ROW.format(indicator="Total", value="1")
    assert any("snake_case" in m for m in messages(pair(tmp_path, data)))
    assert any("lower-case" in m for m in messages(pair(tmp_path, HEADER + ROW.format(
        indicator="Total", value="1"), name="Bad File")))
    bom = pair(tmp_path, "\ufeff" + HEADER + ROW.format(indicator="Total", value="1"))
    assert any("byte-order mark" in m for m in messages(bom))
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + ROW.format(indicator="Caf\xe9", value="1")).encode("cp1252"))
    latin.with_name("latin.meta.csv").write_text(META)
    assert any("not UTF-8" in m for m in messages(latin))


def test_metadata_rules(tmp_path):
    data = HEADER + ROW.format(indicator="Total", value="1")
    assert any("no metadata row" in m for m in messages(pair(
        tmp_path, data, META.replace("value,Indicator,Value,,%,1,,\n", ""))))
    assert any("not an EES unit" in m for m in messages(pair(tmp_path, data, META.replace(",%,", ",percent,"))))
    assert any("Filter or Indicator" in m for m in messages(pair(tmp_path, data, META.replace("Filter", "filter"))))
    long_label = "x" * 81
    assert any("longer than 80" in m for m in messages(pair(tmp_path, data, META.replace(",Value,", f",{long_label},"))))
    no_total = HEADER + ROW.format(indicator="A", value="1")
    assert any("no 'Total' aggregate row" in m for m in messages(pair(tmp_path, no_total)))
    (tmp_path / "alone.csv").write_text(data)
    assert messages(tmp_path / "alone.csv") == ["alone.csv: no metadata file alone.meta.csv"]


def test_an_empty_file_is_reported(tmp_path):
    assert any("empty" in m for m in messages(pair(tmp_path, "")))
    assert any("no data rows" in m for m in messages(pair(tmp_path, HEADER)))
