"""Working days in England, as the CIN timeliness rules (8569Q, 8670Q, 8675Q) count them."""

from datetime import date

import pytest
from census_xml import write_census

from kinsight.quality.cin import cin_engine, define_helpers
from kinsight.sources.cin_census import read_cin_census


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    census = read_cin_census(write_census(tmp_path_factory.mktemp("census"), [{}]), 2026)
    engine = cin_engine(2026, "E09000027")
    engine.load(census.tables, {name: census.file for name in census.tables}, typed=True)
    define_helpers(engine)
    return engine.con


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 3, 30)),  # Tuesday: the Monday before
        (date(2026, 3, 30), 1, date(2026, 3, 27)),  # Monday: back over the weekend
        (date(2026, 4, 7), 1, date(2026, 4, 2)),  # after Easter: Good Friday and Easter Monday skipped
        (date(2025, 12, 29), 1, date(2025, 12, 24)),  # Christmas Day and Boxing Day skipped
        (date(2026, 3, 31), 14, date(2026, 3, 11)),  # 8675Q's last start day without a query
        (date(2026, 3, 31), 44, date(2026, 1, 28)),  # 8670Q's
    ],
)
def test_the_nth_working_day_before_a_day(con, day, n, expected):
    assert con.execute("SELECT working_days_before(?, ?)", [day, n]).fetchone()[0] == expected
