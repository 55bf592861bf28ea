"""Common rule patterns declared as data, compiled to DuckDB SQL.

Most DfE rules are one of a handful of shapes: a code outside its list, a field
left blank, a date that is not a date, two dates in the wrong order. Declaring
those as data (one YAML entry per rule) keeps the catalogue readable and lets the
engine run them all the same way. Each pattern compiles to a ``SELECT`` returning
``table_name, row_number, child_id, field``, one row per failing field.

Dates are text in the return (``dd/mm/YYYY``); the engine defines the macro
``dt(text)`` (null for anything that is not a real date in that format) and
``collection_start()`` / ``collection_end()`` for the year being validated.

Patterns (every one takes ``table``):

``code_list``      ``field``, ``codes`` (a list name in ``codes/`` or a literal list);
                   blank passes unless ``required: true``.
``date_format``    ``field``: filled but not a valid dd/mm/YYYY date (``required: true``
                   also fails blanks).
``date_order``     ``earlier``, ``later``: both valid dates and later < earlier
                   (``strict: true``: later <= earlier also fails).
``not_after_collection_end`` ``field``: a valid date after the end of the collection year.
``unique``         ``fields``: rows sharing the same values of all of them (all filled).
``in_header``      rows whose CHILD is not in Header.
``matches_header`` ``field``: rows whose value differs from the child's Header row (both filled).
``row_check``      ``fail_when``: an SQL condition on the row; flags ``fields`` of the rule.

SSDA903 episode shapes (``table`` is ``Episodes``):

``placement_min_age``   ``place``, ``years``: an episode in that placement (with both dates)
                        starting before the child (Header DOB) was that old.
``placement_max_days``  ``place``, ``days``: an episode in that placement lasting longer.
``legal_status_duration`` ``legal_status``, ``max_days``, ``measure``: how long a legal status
                        lasted, longer than allowed. ``chain``: consecutive episodes of the
                        status, each starting the day the one before ended, from the first start
                        to the last end; ``period``: the days of overlapping or adjoining episodes
                        of the status added up. Open episodes end at the collection year's end.
``continues_previous``  ``field``: the child's first episode this year differs in ``field`` from
                        last year's last episode, which was still open (``Episodes_previous``);
                        ``allowed: [[from, to], …]`` lists recoding DfE made between the years;
                        ``source``: a view over the episodes (``placements``, with the fields DfE
                        derives from postcodes) and its ``<source>_previous``; ``same: [fields]``:
                        only episodes agreeing in those; ``tolerance``: a number differs when it
                        moves by at least this much, or appears where last year had none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from kinsight.core.errors import KinsightError
from kinsight.core.sql import literal, quote


def compile_pattern(
    pattern: dict,
    fields: Sequence[str],
    codes: Callable[[str], list[str]],
    columns: Callable[[str], Sequence[str]],
    child: str = "CHILD",
) -> str:
    """The SQL for a pattern.

    ``fields`` are the rule's fields, ``codes`` resolves code list names and
    ``columns`` gives a table's columns. Patterns that flag "the rule's fields"
    (``date_order``, ``unique``, ``in_header``, ``row_check``) flag
    ``pattern['flag']`` when given, else those of the rule's fields the table has.
    ``child`` is the column identifying the child (``CHILD`` in the 903).
    """
    kind = pattern.get("kind")
    if kind in _ROW_CONDITIONS:
        condition, flagged = _row_condition(pattern, fields, codes, columns, child)
        return _select(_Context(flagged, codes, child), pattern["table"], condition, flagged)
    compiler = _COMPILERS.get(kind)
    if compiler is None:
        known = sorted(_COMPILERS.keys() | _ROW_CONDITIONS.keys())
        raise KinsightError(f"unknown rule pattern {kind!r} (known: {', '.join(known)})")
    with _needs(kind):
        return compiler(pattern, _context(pattern, fields, codes, columns, child))


def _row_condition(
    pattern: dict,
    fields: Sequence[str],
    codes: Callable[[str], list[str]],
    columns: Callable[[str], Sequence[str]],
    child: str = "CHILD",
) -> tuple[str, list[str]]:
    """For a pattern that judges each row of its table on its own: the failing condition
    (on the row aliased ``t``) and the fields it flags."""
    kind = pattern["kind"]
    with _needs(kind):
        return _ROW_CONDITIONS[kind](pattern, _context(pattern, fields, codes, columns, child))


def is_row_level(pattern: dict | None) -> bool:
    """Whether the pattern judges each row of its table on its own (the engine runs all such
    rules of a table as one statement, see ``Engine._run_row_level``)."""
    return pattern is not None and pattern.get("kind") in _ROW_CONDITIONS


def _context(pattern, fields, codes, columns, child) -> _Context:
    return _Context(pattern.get("flag") or fields_in(pattern["table"], fields, columns), codes, child)


@contextmanager
def _needs(kind: str):
    try:
        yield
    except KeyError as missing:
        raise KinsightError(f"pattern {kind} needs {missing}") from None


def fields_in(table: str, fields: Sequence[str], columns: Callable[[str], Sequence[str]]) -> list[str]:
    """The fields that belong to ``table`` (all of them if none does: the rule then names others)."""
    own = [f for f in fields if f in columns(table)]
    return own or list(fields)


@dataclass(frozen=True)
class _Context:
    flagged: list[str]
    codes: Callable[[str], list[str]]
    child: str


def _select(c: _Context, table: str, condition: str, flagged: Sequence[str], source: str | None = None) -> str:
    """Failing rows of ``table`` (aliased ``t``), one output row per flagged field."""
    fields = ", ".join(literal(f) for f in flagged)
    return (
        f"SELECT {literal(table)} AS table_name, t.row_number, t.{quote(c.child)} AS child_id, "
        f"unnest([{fields}]) AS field FROM {source or quote(table)} AS t WHERE {condition}"
    )


def _col(name: str) -> str:
    return f"t.{quote(name)}"


def _code_list(p, c) -> str:
    listed = p["codes"] if isinstance(p["codes"], list) else c.codes(p["codes"])
    column = _col(p["field"])
    inside = ", ".join(literal(str(c).upper()) for c in listed)
    condition = f"{column} NOT IN ({inside})"
    if p.get("required"):
        condition = f"({column} IS NULL OR {condition})"
    return condition, [p["field"]]


def _date_format(p, c) -> str:
    column = _col(p["field"])
    condition = f"dt({column}) IS NULL"
    if not p.get("required"):
        condition = f"{column} IS NOT NULL AND {condition}"
    return condition, [p["field"]]


def _date_order(p, c) -> str:
    earlier, later = dt_col(p["earlier"]), dt_col(p["later"])
    comparison = "<=" if p.get("strict") else "<"
    return f"{later} {comparison} {earlier}", c.flagged


def dt_col(name: str) -> str:
    return f"dt({_col(name)})"


def _not_after_collection_end(p, c) -> str:
    return f"{dt_col(p['field'])} > collection_end()", [p["field"]]


def _unique(p, c) -> str:
    keys = ", ".join(quote(k) for k in p["fields"])
    filled = " AND ".join(f"{quote(k)} IS NOT NULL" for k in p["fields"])
    source = (
        f"(SELECT *, count(*) OVER (PARTITION BY {keys}) AS _copies FROM {quote(p['table'])} WHERE {filled})"
    )
    return _select(c, p["table"], "t._copies > 1", c.flagged, source=source)


def _in_header(p, c) -> str:
    return _select(c, p["table"], "t.CHILD NOT IN (SELECT CHILD FROM Header WHERE CHILD IS NOT NULL)", c.flagged)


def _matches_header(p, c) -> str:
    column = quote(p["field"])
    return _select(
        c,
        p["table"],
        f"t.{column} IS NOT NULL AND EXISTS (SELECT 1 FROM Header h WHERE h.CHILD = t.CHILD "
        f"AND h.{column} IS NOT NULL AND h.{column} <> t.{column})",
        c.flagged,
    )


def _row_check(p, c) -> str:
    return f"({p['fail_when']})", c.flagged


def _placement_episodes(p, condition: str, c: _Context) -> str:
    source = (
        "(SELECT e.*, dt(e.DECOM) AS start_date, dt(e.DEC) AS end_date, h.dob AS birth_date FROM Episodes e JOIN child_dob h USING (CHILD) "
        f"WHERE e.PLACE = {literal(p['place'])} AND dt(e.DECOM) IS NOT NULL AND dt(e.DEC) IS NOT NULL "
        "AND h.dob IS NOT NULL)"
    )
    return _select(c, "Episodes", condition, c.flagged, source=source)


def _placement_min_age(p, c) -> str:
    return _placement_episodes(p, f"t.start_date < t.birth_date + INTERVAL {int(p['years'])} YEAR", c)


def _placement_max_days(p, c) -> str:
    return _placement_episodes(p, f"t.end_date > t.start_date + INTERVAL {int(p['days'])} DAY", c)


def _legal_status_duration(p, c) -> str:
    status = literal(p["legal_status"])
    episodes = (
        "SELECT *, dt(DECOM) AS start_date, coalesce(dt(DEC), collection_end()) AS end_date FROM Episodes "
        "WHERE dt(DECOM) IS NOT NULL"
    )
    if p["measure"] == "chain":
        # A new chain starts unless the child's previous episode had the same status and ended
        # the day this one starts.
        source = f"""(
            SELECT *, max(end_date) OVER chain - min(start_date) OVER chain AS days FROM (
                SELECT *, sum(CASE WHEN previous_ls = {status} AND previous_dec = start_date THEN 0 ELSE 1 END)
                          OVER (PARTITION BY CHILD ORDER BY start_date, row_number) AS link
                FROM (SELECT *, lag(LS) OVER w AS previous_ls, lag(end_date) OVER w AS previous_dec
                      FROM ({episodes}) WINDOW w AS (PARTITION BY CHILD ORDER BY start_date, row_number))
                WHERE LS = {status})
            WINDOW chain AS (PARTITION BY CHILD, link))"""
    elif p["measure"] == "period":
        # Episodes of the status, in file order, belong to one period while each starts no later
        # than the previous one ended.
        source = f"""(
            SELECT *, sum(end_date - start_date) OVER (PARTITION BY CHILD, period) AS days FROM (
                SELECT *, sum(CASE WHEN previous_dec IS NOT NULL AND start_date <= previous_dec THEN 0 ELSE 1 END)
                          OVER (PARTITION BY CHILD ORDER BY row_number) AS period
                FROM (SELECT *, lag(end_date) OVER (PARTITION BY CHILD ORDER BY row_number) AS previous_dec
                      FROM ({episodes}) WHERE LS = {status})))"""
    else:
        raise KinsightError(f"legal_status_duration measure must be chain or period, not {p['measure']!r}")
    return _select(c, "Episodes", f"t.days > {int(p['max_days'])}", c.flagged, source=source)


def _continues_previous(p, c) -> str:
    column = quote(p["field"])
    source = quote(p.get("source", "Episodes"))
    previous = quote(p.get("source", "Episodes") + "_previous")
    allowed = " ".join(
        f"AND NOT (l.{column} = {literal(old)} AND f.{column} = {literal(new)})" for old, new in p.get("allowed", [])
    )
    same = " ".join(f"AND f.{quote(name)} = l.{quote(name)}" for name in p.get("same", []))
    if "tolerance" in p:
        differs = (f"((l.{column} IS NULL AND f.{column} IS NOT NULL) "
                   f"OR abs(f.{column} - l.{column}) >= {float(p['tolerance'])})")
    else:
        differs = f"f.{column} IS DISTINCT FROM l.{column}"
    source = f"""(
        SELECT f.* FROM
          (SELECT * FROM {source} WHERE dt(DECOM) IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY CHILD ORDER BY dt(DECOM), row_number) = 1) AS f
        JOIN (SELECT * FROM {previous} WHERE dt(DECOM) IS NOT NULL
              QUALIFY row_number() OVER (PARTITION BY CHILD ORDER BY dt(DECOM) DESC, row_number DESC) = 1) AS l
          ON f.CHILD = l.CHILD
        WHERE l.DEC IS NULL AND {differs} {same} {allowed})"""
    return _select(c, "Episodes", "true", c.flagged, source=source)


#: Patterns that judge each row of their table alone: (condition, flagged fields).
_ROW_CONDITIONS = {
    "code_list": _code_list,
    "date_format": _date_format,
    "date_order": _date_order,
    "not_after_collection_end": _not_after_collection_end,
    "row_check": _row_check,
}

_COMPILERS = {
    "unique": _unique,
    "in_header": _in_header,
    "matches_header": _matches_header,
    "placement_min_age": _placement_min_age,
    "placement_max_days": _placement_max_days,
    "legal_status_duration": _legal_status_duration,
    "continues_previous": _continues_previous,
}
