"""The rule engine: load a return into DuckDB, run every rule of the year, collect findings.

One DuckDB connection holds the return's tables, compressed in memory, under their
DfE keys (``Header``, ``Episodes`` …), every cell as trimmed upper-case text (blank
is null) plus ``row_number``; previous years' returns are unioned into
``<Table>_previous``. CSV files are read by DuckDB itself, other files arrive as
Arrow. Every rule is then one query, several running at once. Keeping all of it in SQL over
columnar tables is what makes validating a whole LA take seconds, not minutes.
The findings stay in that database, and the connection is handed on in the
:class:`~kinsight.quality.result.ValidationResult`, so one bounded connection
validates and writes the reports.

Macros available to rules:

``dt(text)``             the date in ``dd/mm/YYYY``, or null if it is not a real date;
``age(dob, on)``         whole years of age on a date;
``filled([a, b, …])``    how many of the values are not blank;
``collection_start()``   1 April of the collection year's start;
``collection_end()``     31 March of the collection year's end;
``la_code()``            the LA being validated (ONS code);
``codes``                a table (list, code) of every code list, for ``IN (SELECT …)``.

Views shared by a return's rules are declared in ``rules/<return>/views.sql``
(as tables where many rules read them, so they are worked out once).
"""

from __future__ import annotations

import importlib
import re
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache, partial
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING

import duckdb
import yaml

from kinsight.core.errors import KinsightError
from kinsight.core.sql import literal, quote
from kinsight.quality.catalogue import RULES_FOLDER, SEVERITIES, Rule, load_rules
from kinsight.quality.patterns import compile_pattern, fields_in, is_row_level
from kinsight.quality.result import InputFile, ValidationResult
from kinsight.sources.files import csv_scan_error
from kinsight.sources.layers import SAFE_LOADER

if TYPE_CHECKING:
    import pyarrow as pa

CODES_FOLDER = Path(__file__).parent / "codes"
#: Bounded so that a whole LA validates and is reported within 1 GB with Python and Arrow beside
#: it; DuckDB spills to a temporary folder beyond it.
DUCKDB_SETTINGS = {
    "memory_limit": "450MB",
    "preserve_insertion_order": "false",
    "temp_directory": str(Path(tempfile.gettempdir()) / "kinsight-duckdb"),
}
PREVIOUS = "_previous"
#: The database the return, and then its findings, are held in: compressed, in memory (see ``Engine.__init__``).
RETURN_DATABASE = "validation"
#: Rule queries run at once (see ``Engine._run_concurrently``): one per core of a build machine.
RULE_WORKERS = 2



@cache
def code_lists(return_type: str) -> dict[str, tuple[str, ...]]:
    """The named code lists of a return (``codes/<return>.yaml``), upper-case."""
    path = CODES_FOLDER / f"{return_type}.yaml"
    declared = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) if path.is_file() else {}
    return {name: tuple(str(c).upper() for c in codes) for name, codes in (declared or {}).items()}


def rule_sql(rule: Rule, return_type: str, columns: Mapping[str, Sequence[str]], child: str = "CHILD") -> str:
    """The query a rule runs, returning ``table_name, row_number, child_id, field``."""
    if rule.pattern is not None:
        return compile_pattern(rule.pattern, rule.fields, code_resolver(rule, return_type),
                               lambda t: columns.get(t, ()), child)
    return rule.sql


def code_resolver(rule: Rule, return_type: str) -> Callable[[str], list[str]]:
    """Resolves the code list names a rule's pattern uses, naming the rule if one is unknown."""
    lists = code_lists(return_type)

    def codes(name: str) -> list[str]:
        if name not in lists:
            raise KinsightError(f"rule {rule.code}: unknown code list {name!r}")
        return list(lists[name])

    return codes


def _created_by(script: str) -> list[str]:
    """The tables, views and macros a views script creates."""
    return re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?(?:TABLE|VIEW|MACRO)\s+(\w+)", script, re.IGNORECASE)


def _reader_of(names: Sequence[str]) -> Callable[[str], bool]:
    """Whether a query names any of ``names``."""
    if not names:
        return lambda sql: False
    named = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    return lambda sql: named.search(sql) is not None


def _execute(script: str, con: duckdb.DuckDBPyConnection) -> None:
    con.execute(script)


class Engine:
    """Runs the rules of one return type and year over tables loaded into DuckDB."""

    def __init__(
        self,
        return_type: str,
        year: int,
        la: str,
        columns: Mapping[str, Sequence[str]],
        *,
        only: Collection[str] | None = None,
        child_column: str = "CHILD",
        date_format: str = "%d/%m/%Y",
        supplied_by: Mapping[str, str] | None = None,
    ):
        """Prepare a connection for one return.

        ``columns``: every table of the year with its columns; ``only``: run just these
        rule codes; ``child_column``: the column naming the child in every table;
        ``date_format``: how the return writes dates, which ``dt()`` reads;
        ``supplied_by``: for tables the user gives apart from the return, what to give (named
        when a rule is skipped for want of one).
        """
        self.return_type = return_type
        self.year = int(year)
        self.la = la
        #: Every table the year declares, by name, with its columns (absent tables are created empty).
        self.columns = dict(columns)
        self.child_column = child_column
        self.date_format = date_format
        self.supplied_by = dict(supplied_by or {})
        self.rules = [r for r in load_rules(return_type, self.year) if only is None or r.code in only]
        self.con = duckdb.connect(config=DUCKDB_SETTINGS)
        # The return is held compressed, in memory. A compressed text column is a dictionary of
        # its distinct values, and DuckDB works a function out once per distinct value: a
        # return's dates, codes and postcodes repeat, so the rules' dt(), upper() and code
        # lookups cost a fraction (a 100,000-child return's validation took a fifth less CPU).
        self.con.execute(f"ATTACH ':memory:' AS {RETURN_DATABASE} (COMPRESS)")
        self._set_up(self.con)
        self.supplied: set[str] = set()
        self.inputs: list[InputFile] = []
        self._define_macros()

    @staticmethod
    def _set_up(con: duckdb.DuckDBPyConnection) -> None:
        """Make a connection, or a cursor for the rules, work in the return's database."""
        # DuckDB's progress bar would write into the caller's standard output.
        con.execute(f"USE {RETURN_DATABASE}; SET enable_progress_bar = false")

    def _define_macros(self) -> None:
        start, end = date(self.year - 1, 4, 1), date(self.year, 3, 31)
        # One statement list, not one call each: a connection per validation must be cheap.
        self.con.execute(
            f"""
            CREATE MACRO dt(x) AS CAST(try_strptime(x, {literal(self.date_format)}) AS DATE);
            CREATE MACRO age(dob, on_date) AS date_part('year', on_date) - date_part('year', dob)
                - CASE WHEN strftime(on_date, '%m%d') < strftime(dob, '%m%d') THEN 1 ELSE 0 END;
            CREATE MACRO filled(items) AS len(list_filter(items, lambda v: v IS NOT NULL));
            CREATE MACRO collection_start() AS DATE '{start.isoformat()}';
            CREATE MACRO collection_end() AS DATE '{end.isoformat()}';
            CREATE MACRO la_code() AS {literal(self.la)};
            """
        )
        # As SQL values, not Arrow: a validation of CSV files then never converts Python values
        # to Arrow, whose first conversion imports pandas (a second of a four-second validation).
        pairs = [f"({literal(name)}, {literal(code)})" for name, codes in code_lists(self.return_type).items()
                 for code in codes]
        self.con.execute(f"CREATE TABLE codes (list VARCHAR, code VARCHAR); INSERT INTO codes VALUES {', '.join(pairs)}"
                         if pairs else "CREATE TABLE codes (list VARCHAR, code VARCHAR)")

    def load(
        self,
        tables: Mapping[str, pa.Table],
        files: Mapping[str, Path],
        *,
        previous: bool = False,
        typed: bool = False,
    ) -> None:
        """Load one return's tables (text columns plus ``row_number``); call once per previous year too.

        ``typed``: the reader has already typed and cleaned the columns (the CIN census
        XML has real dates and keys), so they are loaded as they are.
        """
        for name, table in tables.items():
            self.con.register("_incoming", table)
            self._store(name, "SELECT * FROM _incoming" if typed else self._cleaned(name, "row_number"), previous)
            self.con.unregister("_incoming")
            self.inputs.append(InputFile(name, Path(files[name]), table.num_rows, previous,
                                         of_return=name not in self.supplied_by))

    def load_scan(self, name: str, scan: str, file: Path, *, previous: bool = False) -> None:
        """Load one table from DuckDB's scan of its file (:func:`kinsight.sources.files.csv_scan`),
        numbering its rows in file order; no Arrow, no Python per row.

        Raises :class:`~kinsight.core.errors.UnusableInput` naming the file and row DuckDB could not read.
        """
        # In file order, so that each row's rowid is its position in the file.
        self.con.execute("SET preserve_insertion_order = true")
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT * FROM {scan}")
        except duckdb.Error as exc:
            raise csv_scan_error(exc, file) from None
        finally:
            self.con.execute(f"SET preserve_insertion_order = {DUCKDB_SETTINGS['preserve_insertion_order']}")
        self._store(name, self._cleaned(name, "rowid + 1"), previous)
        (rows,) = self.con.execute("SELECT count(*) FROM _incoming").fetchone()
        self.con.execute("DROP TABLE _incoming")
        self.inputs.append(InputFile(name, Path(file), rows, previous, of_return=name not in self.supplied_by))

    def _cleaned(self, name: str, row_number: str) -> str:
        """``_incoming`` as the rules read a table: every cell trimmed upper-case text (blank is null)."""
        cleaned = ", ".join(f"nullif(upper(trim({quote(c)})), '') AS {quote(c)}" for c in self.columns[name])
        return f"SELECT {cleaned}, CAST({row_number} AS INTEGER) AS row_number FROM _incoming"

    def _store(self, name: str, select: str, previous: bool) -> None:
        """Create the table, or add to it: each earlier year's return adds to ``<name>_previous``."""
        target = name + PREVIOUS if previous else name
        if target in self.supplied:
            self.con.execute(f"INSERT INTO {quote(target)} {select}")
        else:
            self.con.execute(f"CREATE TABLE {quote(target)} AS {select}")
            self.supplied.add(target)

    def derive(self, name: str, select: str) -> None:
        """Create table ``name`` from a query over what is loaded (reference data the rules
        need, narrowed to what the return uses); it then counts as supplied."""
        self.con.execute(f"CREATE TABLE {quote(name)} AS {select}")
        self.supplied.add(name)

    def _create_absent_tables(self) -> None:
        statements = [
            f"CREATE TABLE {quote(target)} ({', '.join(f'{quote(c)} VARCHAR' for c in columns)}, row_number INTEGER);"
            for name, columns in self.columns.items()
            for target in (name, name + PREVIOUS)
            if target not in self.supplied
        ]
        if statements:
            self.con.execute("\n".join(statements))

    def run(self) -> ValidationResult:
        """Run every rule whose tables were supplied; skip (and say so) the rest.

        The result keeps this connection: its database then holds only the findings and the
        catalogue (see :mod:`kinsight.quality.result`), the return's tables being dropped.
        """
        self._create_absent_tables()
        # Findings stay inside DuckDB: a return full of errors yields millions of them, and
        # the code, severity and message of each are added once, by a join, not once per row.
        self.con.execute(
            'CREATE TABLE _findings (rule INTEGER, "table" VARCHAR, row_number INTEGER, child_id VARCHAR, field VARCHAR)'
        )
        views = RULES_FOLDER / self.return_type / "views.sql"
        script = views.read_text(encoding="utf-8") if views.is_file() else ""
        reads_views = _reader_of(_created_by(script))
        skipped: dict[str, str] = {}
        python: list[tuple[int, Rule]] = []
        row_level: dict[tuple[str, bool], list[tuple[int, Rule]]] = {}
        queries: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
        for index, rule in enumerate(self.rules):
            absent = [t for t in rule.tables if t not in self.supplied]
            if absent:
                skipped[rule.code] = f"needs {', '.join(self.supplied_by.get(t, t) for t in absent)}"
            elif rule.python is not None:
                python.append((index, rule))
            elif is_row_level(rule.pattern):
                sql = rule_sql(rule, self.return_type, self.columns, self.child_column)
                row_level.setdefault((rule.pattern["table"], reads_views(sql)), []).append((index, rule))
            else:
                queries.append(partial(self._run_rule, index, rule))
        # The rules that judge rows of a loaded table one by one, and read none of the shared
        # views, run while the views are worked out; then the rest. The largest first in each,
        # so that the workers finish together.
        self._run_concurrently([
            *([partial(_execute, script)] if script else []),
            *(partial(self._run_row_level, table, rules) for (table, later), rules in row_level.items() if not later),
        ])
        for index, rule in python:
            # It registers its query on this connection, so it runs here.
            self._run_rule(index, rule, self.con)
        self._run_concurrently([
            *(partial(self._run_row_level, table, rules) for (table, later), rules in row_level.items() if later),
            *queries,
        ])
        self._drop_return()
        self._keep_findings()
        return ValidationResult(
            return_type=self.return_type,
            year=self.year,
            la=self.la,
            rules=self.rules,
            inputs=self.inputs,
            database=self.con,
            skipped=skipped,
        )

    def _drop_return(self) -> None:
        """Drop the return's tables and the views over them: the findings are all that is left to use."""
        views = self.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary").fetchall()
        tables = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND table_name <> '_findings'"
        ).fetchall()
        self.con.execute(
            "".join(f"DROP VIEW {quote(v)};" for (v,) in views) + "".join(f"DROP TABLE {quote(t)};" for (t,) in tables)
        )

    def _keep_findings(self) -> None:
        """``catalogue`` and ``findings`` (see :mod:`kinsight.quality.result`), in report order.

        Every column but the row and the child is an ENUM: a million findings of one rule hold
        its message once, they read out as Arrow dictionaries, and sorting by table and field
        compares small numbers, not text (the names are listed in order, so the order is the same).
        """
        rows = ", ".join(
            f"({index}, {literal(r.code)}, {literal(r.severity)}, {literal(r.message)})"
            for index, r in enumerate(self.rules)
        )
        self.con.execute(
            "CREATE TABLE catalogue (rule INTEGER, code VARCHAR, severity VARCHAR, message VARCHAR)"
            + (f"; INSERT INTO catalogue VALUES {rows}" if rows else "")
        )
        # The year's tables and columns are listed too: an ENUM needs a value, and there may be no findings.
        tables = ", ".join(literal(t) for t in self.columns)
        columns = ", ".join(literal(c) for c in {c for cs in self.columns.values() for c in cs})
        # The reports read the findings in the order they are stored: kept from here on.
        self.con.execute(
            f"""
            CREATE TYPE rule_code AS ENUM (SELECT code FROM catalogue ORDER BY rule);
            CREATE TYPE severity AS ENUM ({", ".join(literal(s) for s in SEVERITIES)});
            CREATE TYPE rule_message AS ENUM (SELECT DISTINCT message FROM catalogue);
            CREATE TYPE table_name AS ENUM
                (SELECT "table" FROM _findings WHERE "table" IS NOT NULL UNION SELECT unnest([{tables}]) ORDER BY 1);
            CREATE TYPE field_name AS ENUM
                (SELECT field FROM _findings WHERE field IS NOT NULL UNION SELECT unnest([{columns}]) ORDER BY 1);
            SET preserve_insertion_order = true;
            CREATE TABLE findings AS
            SELECT CAST(c.code AS rule_code) AS rule_code, CAST(c.severity AS severity) AS severity, f."table",
                   f.row_number, f.child_id, f.field, CAST(c.message AS rule_message) AS message
            FROM (SELECT rule, CAST("table" AS table_name) AS "table", row_number, child_id,
                         CAST(field AS field_name) AS field FROM _findings) f
            JOIN catalogue c USING (rule)
            ORDER BY f."table", f.row_number, f.rule, f.field;
            DROP TABLE _findings;
            """
        )

    def _run_concurrently(self, queries: Sequence[Callable[[duckdb.DuckDBPyConnection], None]]) -> None:
        """Run the rules' queries :data:`RULE_WORKERS` at a time, each on a cursor of the connection.

        Most rules are small queries that DuckDB cannot spread over both cores; two at once
        can. Each adds its own rows to ``_findings``, whose order the report sorts anyway.
        """
        cursors: SimpleQueue[duckdb.DuckDBPyConnection] = SimpleQueue()
        opened = [self.con.cursor() for _ in range(RULE_WORKERS)]
        for cursor in opened:
            self._set_up(cursor)
            cursors.put(cursor)

        def on_a_free_cursor(query: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
            cursor = cursors.get()
            try:
                query(cursor)
            finally:
                cursors.put(cursor)

        try:
            with ThreadPoolExecutor(RULE_WORKERS) as pool:
                for _ in pool.map(on_a_free_cursor, queries):
                    pass
        finally:
            for cursor in opened:
                cursor.close()

    def _run_rule(self, index: int, rule: Rule, con: duckdb.DuckDBPyConnection) -> None:
        if rule.python is not None:
            module, _, function = rule.python.partition(":")
            query = getattr(importlib.import_module(module), function)(con)
            con.register("_python_rule", query)
            sql = "SELECT * FROM _python_rule"
        else:
            sql = rule_sql(rule, self.return_type, self.columns, self.child_column)
        try:
            # Patterns always name the failing field; hand-written queries may leave it to the catalogue.
            if rule.pattern is None and "field" not in [d[0] for d in con.execute(f"DESCRIBE {sql}").fetchall()]:
                sql = f"SELECT q.*, unnest({self._flag_by_table(rule)}) AS field FROM ({sql}) AS q"
            con.execute(
                f"INSERT INTO _findings SELECT DISTINCT {index}, q.table_name, "
                f"CAST(q.row_number AS INTEGER), CAST(q.child_id AS VARCHAR), CAST(q.field AS VARCHAR) "
                f"FROM ({sql}) AS q"
            )
        except duckdb.Error as exc:
            # A rule that cannot run is a defect in the catalogue, not in the user's data.
            raise KinsightError(f"{self.return_type} rule {rule.code} could not run: {exc}") from exc
        finally:
            if rule.python is not None:
                con.unregister("_python_rule")

    def _run_row_level(
        self, table: str, rules: Sequence[tuple[int, Rule]], con: duckdb.DuckDBPyConnection
    ) -> None:
        """Every rule that judges rows of ``table`` one by one, in a single statement.

        One ``UNION ALL`` of each rule's filtered scan: DuckDB pushes each rule's condition
        into its scan of the table, which costs less than half what building, for every row,
        the list of rules it fails did (Episodes of 100,000 children: 1.0 s of CPU, not 2.3 s).
        """
        checks = " UNION ALL ".join(
            f"SELECT {index} AS rule, q.* FROM ({rule_sql(rule, self.return_type, self.columns, self.child_column)}) q"
            for index, rule in rules
        )
        try:
            con.execute(
                f"INSERT INTO _findings SELECT DISTINCT rule, {literal(table)}, CAST(row_number AS INTEGER), "
                f"CAST(child_id AS VARCHAR), field FROM ({checks})"
            )
        except duckdb.Error:
            # Run them one at a time, so that the message names the rule that cannot run.
            for index, rule in rules:
                self._run_rule(index, rule, con)

    def _flag_by_table(self, rule: Rule) -> str:
        """``CASE table_name …`` giving the rule's fields that belong to each table."""
        branches = " ".join(
            f"WHEN {literal(t)} THEN [{', '.join(literal(f) for f in fields_in(t, rule.fields, self._columns_of))}]"
            for t in {t.removesuffix(PREVIOUS) for t in rule.tables}
        )
        default = ", ".join(literal(f) for f in rule.fields)
        return f"CASE q.table_name {branches} ELSE [{default}] END"

    def _columns_of(self, table: str) -> Sequence[str]:
        return self.columns.get(table, ())
