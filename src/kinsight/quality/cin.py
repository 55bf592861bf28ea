"""Validating a CIN census return against the DfE rules of its collection year.

The census XML is streamed into its flat tables (:mod:`kinsight.sources.cin_census`),
loaded typed into the shared rule engine, and every rule of the year runs as one
DuckDB query. Besides the engine's helpers, CIN rules use:

``census_start()``, ``census_end()``
    the census period: the day after ``ReferenceDate`` a year earlier, to ``ReferenceDate``.
    DfE rules are written against the file's own ``ReferenceDate`` (rule 100 checks it is
    31 March of the collection year), so that is used; when it is missing, 31 March.
``yes(x)``, ``no(x)``
    a DfE boolean (``true``/``1``, ``false``/``0``, any case); null when neither.
``la_dfe_code()``
    the DfE 3-digit number of the LA being validated (the Header's ``LEA``).
``coded(x, list)``
    ``x`` is in a code list of ``codes/cin.yaml``.
``working_days_before(day, n)``
    the ``n``-th working day strictly before ``day`` in England (not a weekend nor a
    bank holiday of ``codes/england_bank_holidays.csv``), for the working-day rules
    8569Q, 8670Q and 8675Q.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pyarrow as pa

from kinsight.core import reference
from kinsight.core.sql import literal
from kinsight.quality.engine import CODES_FOLDER, Engine
from kinsight.quality.result import ValidationResult
from kinsight.sources import cin_census

RETURN_TYPE = "cin"
#: Cells the reader could not type as dates, loaded so that a rule reports them.
INVALID_DATES = "InvalidDates"
_INVALID_DATES_COLUMNS = ("LAchildID", "table_name", "field", "value")
BANK_HOLIDAYS = CODES_FOLDER / "england_bank_holidays.csv"
#: Working days are listed for this span; every census period falls well inside it.
_CALENDAR = (date(2000, 1, 1), date(2040, 12, 31))


def validate_cin(
    path: Path | str,
    year: int,
    la: str,
    previous: Iterable[Path | str] = (),
    *,
    only: Iterable[str] | None = None,
) -> ValidationResult:
    """Validate the CIN census XML ``path`` of collection ``year`` for LA ``la``.

    ``only``: run just these rule codes (all of the year's rules by default).

    ``previous`` are earlier years' census files; they are loaded as
    ``<Table>_previous`` for rules that look back in time. Raises
    :class:`kinsight.core.errors.UnusableInput` for a file that cannot be read (missing,
    empty, not well-formed XML, not a CIN census); everything the rules find, including
    missing mandatory elements, is in the result.
    """
    year = int(year)
    census = cin_census.read_cin_census(path, year)
    engine = cin_engine(year, la, only=only)
    engine.load(census.tables, {name: census.file for name in census.tables}, typed=True)
    engine.load({INVALID_DATES: _invalid_dates(census)}, {INVALID_DATES: census.file}, typed=True)
    # The invalid dates are findings about the census, not a table of it: not an input.
    engine.inputs = [i for i in engine.inputs if i.table != INVALID_DATES]
    for earlier_path in previous:
        earlier = cin_census.read_cin_census(earlier_path, year)
        engine.load(earlier.tables, {n: earlier.file for n in earlier.tables}, previous=True, typed=True)
    define_helpers(engine)
    return engine.run()


def cin_engine(year: int, la: str, *, only: Iterable[str] | None = None) -> Engine:
    """The shared engine set up for the CIN census tables of ``year``."""
    schema = cin_census.schema(year)
    columns = {spec.name: schema.columns_of(spec) for spec in schema.tables}
    columns[INVALID_DATES] = _INVALID_DATES_COLUMNS
    return Engine(
        RETURN_TYPE, year, la, columns,
        only=set(only) if only is not None else None,
        child_column=cin_census.CHILD_ID, date_format="%Y-%m-%d",
    )


def _invalid_dates(census: cin_census.CinCensus) -> pa.Table:
    """The reader's untypable dates as a table: a date DfE's schema would reject is
    reported, rather than silently read as a missing date."""
    table, rows, child, field, value = zip(*census.bad_dates) if census.bad_dates else ((),) * 5
    return pa.table({
        "row_number": pa.array(rows, pa.int32()),
        "LAchildID": pa.array(child, pa.string()),
        "table_name": pa.array(table, pa.string()),
        "field": pa.array(field, pa.string()),
        "value": pa.array(value, pa.string()),
    })


def define_helpers(engine: Engine) -> None:
    """Create the CIN helpers (see the module docstring); call after the Header is loaded."""
    con = engine.con
    # The period is fixed for the whole file: written into the macros as constants so
    # that every rule compares with a literal, not a subquery per row.
    reference_date = con.execute("SELECT max(ReferenceDate) FROM Header").fetchone()[0]
    end = reference_date or date(engine.year, 3, 31)
    con.execute(f"CREATE MACRO census_end() AS DATE '{end.isoformat()}'")
    con.execute(f"CREATE MACRO census_start() AS DATE '{_census_start(end).isoformat()}'")
    con.execute("CREATE MACRO yes(x) AS CASE WHEN lower(trim(x)) IN ('true', '1') THEN true "
                "WHEN lower(trim(x)) IN ('false', '0') THEN false END")
    con.execute("CREATE MACRO no(x) AS NOT yes(x)")
    con.execute(f"CREATE MACRO la_dfe_code() AS {literal(reference.la(engine.la).dfe_code)}")
    con.execute("CREATE MACRO coded(x, list_name) AS "
                "x IN (SELECT code FROM codes WHERE list = list_name)")
    con.register("_working_days", working_days())
    con.execute("CREATE TABLE working_days AS SELECT * FROM _working_days")
    con.unregister("_working_days")
    # The n-th working day strictly before `day` (n = 1: the last working day before it).
    con.execute(
        "CREATE MACRO working_days_before(before, n) AS ("
        "SELECT w.day FROM working_days w WHERE w.number = "
        "(SELECT max(v.number) FROM working_days v WHERE v.day < before) - (n - 1))"
    )


def _census_start(end: date) -> date:
    """The day after the same date a year before ``end`` (29 February: after the 28th)."""
    try:
        earlier = end.replace(year=end.year - 1)
    except ValueError:
        earlier = end.replace(year=end.year - 1, day=28)
    return earlier + timedelta(days=1)


@cache
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays (GOV.UK), as listed in the codes folder."""
    with open(BANK_HOLIDAYS, encoding="utf-8") as handle:
        return frozenset(date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


@cache
def working_days() -> pa.Table:
    """Every working day in England over the calendar span, numbered in order."""
    holidays = bank_holidays()
    days = []
    day = _CALENDAR[0]
    while day <= _CALENDAR[1]:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return pa.table({"day": pa.array(days, pa.date32()), "number": pa.array(range(len(days)), pa.int32())})
