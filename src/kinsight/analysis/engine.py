"""The interpreter of the indicator library over a DuckDB warehouse snapshot.

``compute`` prepares the connection once (the ``periods`` table, code lists, macros and the
library's shared views, all TEMP so a read-only snapshot is never written), then runs each
indicator's units query wrapped in one aggregate with GROUPING SETS, so the total and every
breakdown for every period come back from a single pass over the data.
"""

from __future__ import annotations

import dataclasses

import re
from collections.abc import Iterable, Sequence

import duckdb
import pandas as pd

from kinsight.analysis import reference
from kinsight.analysis.catalogue import PERSON_BREAKDOWNS, Indicator, code_list, library
from kinsight.analysis.periods import Period, parse_period, split
from kinsight.core.errors import KinsightError

#: Columns of a result frame, in order.
RESULT_COLUMNS = [
    "indicator_id", "period", "period_start", "period_end", "breakdown", "level",
    "numerator", "denominator", "children", "value", "gap",
]
TOTAL = "Total"

_MACROS = {
    "truthy": """(x) AS coalesce(
        lower(trim(CAST(x AS VARCHAR))) IN ('true', '1', 'y', 'yes', 't'), FALSE)""",
    "age_at": """(dob, d) AS year(d) - year(dob)
        - CASE WHEN strftime(d, '%m%d') < strftime(dob, '%m%d') THEN 1 ELSE 0 END""",
    # Monday-to-Friday days after `a` up to and including `b`; bank holidays are not removed.
    "working_days": """(a, b) AS CASE WHEN b < a THEN NULL ELSE
        (date_diff('day', a, b) // 7) * 5
        + len(list_filter(range(1, date_diff('day', a, b) % 7 + 1),
                          lambda k: ((isodow(a) + k - 1) % 7) + 1 <= 5)) END""",
    "ethnic_group": """(code) AS CASE left(upper(trim(code)), 1)
        WHEN 'W' THEN 'White' WHEN 'M' THEN 'Mixed' WHEN 'A' THEN 'Asian or Asian British'
        WHEN 'B' THEN 'Black or Black British' WHEN 'C' THEN 'Other ethnic group'
        WHEN 'O' THEN 'Other ethnic group' ELSE 'Not known' END""",
    # 903 postcodes are partial ("CV4 7"): outward code and the first digit of the inward code.
    "postcode_sector": """(pc) AS CASE
        WHEN pc IS NULL THEN NULL
        WHEN contains(regexp_replace(upper(trim(pc)), '\\s+', ' ', 'g'), ' ')
          THEN split_part(regexp_replace(upper(trim(pc)), '\\s+', ' ', 'g'), ' ', 1) || ' '
               || left(split_part(regexp_replace(upper(trim(pc)), '\\s+', ' ', 'g'), ' ', 2), 1)
        WHEN length(trim(pc)) BETWEEN 5 AND 7
          THEN upper(left(trim(pc), length(trim(pc)) - 3)) || ' '
               || upper(substr(trim(pc), length(trim(pc)) - 2, 1))
        END""",
}

_PERSON_DIMS = """
    SELECT person_id,
           CASE upper(CAST(any_value(sex) AS VARCHAR)) WHEN 'M' THEN 'Male' WHEN '1' THEN 'Male'
                WHEN 'F' THEN 'Female' WHEN '2' THEN 'Female' ELSE 'Not known' END AS sex,
           ethnic_group(any_value(ethnicity)) AS ethnic_group,
           CAST(any_value(imd_decile) AS VARCHAR) AS imd_decile,
           any_value(ward_code) AS ward,
           any_value(lsoa11) AS lsoa
    FROM persons GROUP BY person_id
"""


def _create_tables(con: duckdb.DuckDBPyConnection, periods: Sequence[Period]) -> None:
    frames = {
        "periods": pd.DataFrame(
            {
                "period": [p.label for p in periods],
                "period_start": [p.start for p in periods],
                "period_end": [p.end for p in periods],
                "year_start": [p.year_start for p in periods],
                "collection_year": [p.collection_year for p in periods],
            }
        ).astype({"period_start": "datetime64[s]", "period_end": "datetime64[s]",
                  "year_start": "datetime64[s]"}),
        "asq_cutoffs": pd.DataFrame(code_list("asq_cutoffs")).drop(columns="status").astype(float)
        .astype({"questionnaire": int}),
        "care_leaver_accommodation": pd.DataFrame(code_list("care_leaver_accommodation")),
        "postcode_sectors": reference.postcode_sectors(),
    }
    for name, frame in frames.items():
        con.register(f"_{name}_frame", frame)
        dates = [c for c in ("period_start", "period_end", "year_start") if c in frame]
        select = "*" if not dates else "* REPLACE (" + ", ".join(
            f"CAST({c} AS DATE) AS {c}" for c in dates) + ")"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select} FROM _{name}_frame")
        con.unregister(f"_{name}_frame")


def prepare(con: duckdb.DuckDBPyConnection, periods: Sequence[Period]) -> None:
    """Give the connection the tables and macros indicator SQL may use (see indicators.yaml).
    The library's shared views are made on first use by :func:`ensure_views`."""
    for name, body in _MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}{body}")
    _create_tables(con, periods)
    for name in _views():
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _views() -> dict[str, str]:
    return {"person_dims": _PERSON_DIMS, **library().views}


def ensure_views(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Materialise (as TEMP tables, once per :func:`prepare`) every shared view ``sql`` names,
    after the views those name: each is then computed once, not once per indicator."""
    views = _views()
    for name in views:
        if not re.search(rf"\b{name}\b", sql):
            continue
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [name]
        ).fetchone()[0]
        if exists:
            continue
        ensure_views(con, views[name])
        try:
            con.execute(f"CREATE TEMP TABLE {name} AS {views[name]}")
        except (duckdb.CatalogException, duckdb.BinderException) as error:
            raise KinsightError(
                f"the snapshot lacks what the view {name} needs: {_first_line(error)}"
            ) from None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


def _breakdown_expression(name: str) -> str:
    source = "d" if name in PERSON_BREAKDOWNS else "u"
    return f"coalesce(CAST({source}.{name} AS VARCHAR), 'Not known')"


def _level_columns(breakdowns: Sequence[str]) -> tuple[str, str]:
    """CASE expressions naming the breakdown and level of a GROUPING SETS row."""
    if not breakdowns:
        return f"'{TOTAL}'", f"'{TOTAL}'"
    names = " ".join(
        f"WHEN NOT GROUPING({_breakdown_expression(b)}) THEN '{b}'" for b in breakdowns
    )
    levels = " ".join(
        f"WHEN NOT GROUPING({_breakdown_expression(b)}) THEN {_breakdown_expression(b)}"
        for b in breakdowns
    )
    return f"CASE {names} ELSE '{TOTAL}' END", f"CASE {levels} ELSE '{TOTAL}' END"


_SUMS = ("sum(CAST(u.numerator AS DOUBLE)) AS numerator, count(*) AS denominator, "
         "count(DISTINCT u.person_id) AS children")


def _batch_sql(items: Sequence[Indicator], breakdowns: Sequence[str]) -> str:
    """One query for several indicators offering the same breakdowns: their units side by
    side, aggregated together, so the person breakdowns are joined once for all of them."""
    own = [b for b in breakdowns if b not in PERSON_BREAKDOWNS]
    columns = ", ".join(["period", "person_id", "numerator", *own])
    ctes = ", ".join(f"u{i} AS ({item.units_sql})" for i, item in enumerate(items))
    union = " UNION ALL ".join(
        f"SELECT '{item.id}' AS indicator_id, {columns} FROM u{i}" for i, item in enumerate(items)
    )
    sets = ["(u.indicator_id, u.period)"] + [
        f"(u.indicator_id, u.period, {_breakdown_expression(b)})" for b in breakdowns
    ]
    name_case, level_case = _level_columns(breakdowns)
    return (
        f"WITH {ctes}, units AS ({union}) "
        f"SELECT u.indicator_id, u.period, {name_case} AS breakdown, {level_case} AS level, "
        f"{_SUMS} "
        "FROM units u LEFT JOIN person_dims d USING (person_id) "
        f"GROUP BY GROUPING SETS ({', '.join(sets)})"
    )


def _distinct_sql(item: Indicator, breakdowns: Sequence[str]) -> list[str]:
    """Queries for an indicator where one child may sit under several levels of a breakdown:
    each grouping counts a child once within it."""
    queries = []
    for b in [TOTAL, *breakdowns]:
        own = b not in PERSON_BREAKDOWNS and b != TOTAL
        kept = f", {b}" if own else ""
        level = (f"'{TOTAL}'" if b == TOTAL
                 else f"coalesce(CAST({'u' if own else 'd'}.{b} AS VARCHAR), 'Not known')")
        queries.append(
            f"WITH units AS ({item.units_sql}) "
            f"SELECT '{item.id}' AS indicator_id, u.period, '{b}' AS breakdown, {level} AS level, "
            f"{_SUMS} FROM (SELECT DISTINCT period, person_id, numerator{kept} FROM units) u "
            "LEFT JOIN person_dims d USING (person_id) GROUP BY ALL"
        )
    return queries


def _queries(items: Sequence[Indicator], chosen: set[str] | None,
             batch_size: int = 40) -> list[tuple[list[Indicator], str]]:
    """Every query to run, with the indicators each one answers for."""
    batches: dict[tuple[str, ...], list[Indicator]] = {}
    queries = []
    for item in items:
        wanted = tuple(b for b in item.breakdowns if chosen is None or b in chosen)
        if item.distinct_total:
            queries += [([item], sql) for sql in _distinct_sql(item, wanted)]
        else:
            batches.setdefault(wanted, []).append(item)
    for wanted, group in batches.items():
        for start in range(0, len(group), batch_size):
            part = group[start:start + batch_size]
            queries.append((part, _batch_sql(part, wanted)))
    return queries


def _run(con: duckdb.DuckDBPyConnection, items: list[Indicator], sql: str,
         chosen: set[str] | None) -> pd.DataFrame:
    ensure_views(con, sql)
    try:
        return con.execute(sql).df()
    except duckdb.Error as error:
        if len(items) == 1:
            raise KinsightError(f"indicator {items[0].id}: {_first_line(error)}") from None
        # Run the batch one by one, so the message names the indicator at fault.
        return pd.concat([_run(con, [item], sql1, chosen)
                          for item in items for _, sql1 in _queries([item], chosen)])


def _values(frame: pd.DataFrame, units: dict[str, Indicator], periods: dict[str, Period],
            la: reference.LocalAuthority | None) -> pd.DataFrame:
    """Values and gaps for all indicators at once (vectorised: per-indicator pandas work
    would cost more than the queries)."""
    unit = frame["indicator_id"].map({i: item.unit for i, item in units.items()})
    rates = unit == "per_10k"
    frame.loc[rates, "denominator"] = [
        _population(la, periods[p], b, level)
        for p, b, level in zip(frame.loc[rates, "period"], frame.loc[rates, "breakdown"],
                               frame.loc[rates, "level"])
    ]
    numerator, denominator = frame["numerator"], frame["denominator"].astype(float)
    scale = unit.map({"percent": 100.0, "per_10k": 10_000.0, "mean": 1.0, "count": 1.0})
    frame["value"] = (scale * numerator / denominator.where(denominator > 0)).where(
        unit != "count", numerator
    )
    keys = ["indicator_id", "period"]
    totals = frame.loc[frame["breakdown"] == TOTAL, keys + ["numerator", "denominator"]]
    merged = frame[keys].merge(totals, on=keys, how="left", suffixes=("", "_total"))
    rest_numerator = merged["numerator"].to_numpy() - numerator.to_numpy()
    rest_denominator = merged["denominator"].to_numpy().astype(float) - denominator.to_numpy()
    rest = scale.to_numpy() * rest_numerator / pd.Series(rest_denominator).where(
        pd.Series(rest_denominator) > 0).to_numpy()
    distinct = frame["indicator_id"].map({i: item.distinct_total for i, item in units.items()})
    has_gap = unit.isin(["percent", "mean"]) & ~distinct & (frame["breakdown"] != TOTAL)
    frame["gap"] = (frame["value"] - rest).where(has_gap)
    return frame


def _population(la, period: Period, breakdown: str, level: str) -> float:
    if la is None:
        return float("nan")
    if breakdown == TOTAL:
        return reference.population(la, period.collection_year)
    areas = reference.area_populations(la, period.collection_year)
    return float(areas.get(breakdown, {}).get(level, float("nan")))


def snapshot_la(con: duckdb.DuckDBPyConnection) -> reference.LocalAuthority | None:
    """The LA a snapshot belongs to, from its ``snapshot_info`` row (if it has one)."""
    try:
        row = con.execute("SELECT la, population_0_17 FROM snapshot_info LIMIT 1").fetchone()
    except duckdb.Error:  # no snapshot_info, or one from before population_0_17
        return None
    if not row or not row[0]:
        return None
    return dataclasses.replace(reference.local_authority(row[0]), population_0_17=row[1])


def compute(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Iterable[str] | None = None,
    period: str | Period = "2025-04..2026-03",
    breakdowns: Iterable[str] | None = None,
    *,
    by: str | None = None,
    la: str | reference.LocalAuthority | None = None,
) -> pd.DataFrame:
    """Compute indicators over a warehouse snapshot.

    ``indicator_ids``: the ids to compute (default every indicator in the catalogue).
    ``period``: ``YYYY-MM..YYYY-MM``; ``by``: ``month``, ``quarter`` or ``year`` for a series.
    ``breakdowns``: which breakdowns to add to the totals (default: each indicator's own);
    breakdowns an indicator does not offer are skipped for it.
    ``la``: the LA code, for rates per 10,000 (default: the snapshot's ``snapshot_info.la``).

    Returns one row per indicator, period, breakdown and level with the raw ``numerator``,
    ``denominator`` (units, or the 0–17 population for rates), distinct ``children``, the
    ``value`` and, for percentages and means, the ``gap`` between the level and all other
    children in the breakdown. Nothing in it has been through disclosure control: pass it
    through :func:`kinsight.outputs.disclosure.protect_results` before it leaves the warehouse.
    """
    whole = period if isinstance(period, Period) else parse_period(period)
    pieces = split(whole, by)
    if isinstance(la, str):
        la = reference.local_authority(la)
    elif la is None:
        la = snapshot_la(con)
    lib = library()
    ids = list(indicator_ids) if indicator_ids is not None else list(lib.indicators)
    unknown = [i for i in ids if i not in lib.indicators]
    if unknown:
        raise KinsightError(f"unknown indicator(s): {', '.join(unknown)}")
    chosen = None if breakdowns is None else set(breakdowns)
    prepare(con, pieces)
    by_label = {p.label: p for p in pieces}
    items = [
        lib.indicators[i] for i in ids
        # annual returns (OC3, EYFSP) give nothing month by month
        if not (by in ("month", "quarter") and lib.indicators[i].frequency == "annual")
    ]
    frames = [_run(con, group, sql, chosen) for group, sql in _queries(items, chosen)]
    frames += [_empty_totals(item.id, pieces) for item in items]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    # Keep an empty total only where the query gave no total for that period.
    result = result.drop_duplicates(["indicator_id", "period", "breakdown", "level"], keep="first")
    result = result.fillna({"numerator": 0.0}).astype(
        {"numerator": float, "denominator": float, "children": int}
    )
    result = _values(result, lib.indicators, by_label, la)
    result["period_start"] = result["period"].map({p.label: p.start for p in pieces})
    result["period_end"] = result["period"].map({p.label: p.end for p in pieces})
    order = {p.label: i for i, p in enumerate(pieces)}
    result = result.assign(
        _indicator=result["indicator_id"].map({n: i for i, n in enumerate(ids)}),
        _order=result["period"].map(order),
        _level=result["breakdown"] != TOTAL,
    ).sort_values(["_indicator", "_order", "_level", "breakdown", "level"], kind="stable")
    return result[RESULT_COLUMNS].reset_index(drop=True)


def _empty_totals(indicator_id: str, pieces: Sequence[Period]) -> pd.DataFrame:
    """A zero total for every period, used where nothing happened in it."""
    return pd.DataFrame({
        "period": [p.label for p in pieces], "breakdown": TOTAL, "level": TOTAL,
        "numerator": 0.0, "denominator": 0, "children": 0, "indicator_id": indicator_id,
    })
