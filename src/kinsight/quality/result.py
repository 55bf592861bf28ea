"""The outcome of validating one return: what was read, which rules ran, what they found.

The findings stay in the DuckDB database the rules ran in, as the table ``findings``
(one row per failing field of a failing row, in report order: table, row, rule, field),
beside ``catalogue`` (every rule of the year: code, severity, message). A return full of
errors yields millions of findings; keeping them there lets the reports, the pipeline's
run summary and the web service count and write them within DuckDB's memory bound,
without Python ever holding them. :attr:`ValidationResult.findings` reads them out as
Arrow for the few callers (tests, agreement benchmarks) that want them in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from kinsight.core.deferred import deferred
from kinsight.quality.catalogue import Rule

pa = deferred("pyarrow")


@cache
def findings_schema() -> pa.Schema:
    """The findings as Arrow. Columns that repeat a few values millions of times are
    dictionary-encoded, which keeps a result with millions of findings small; they read as
    plain strings."""
    repeated = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [
            ("rule_code", repeated),
            ("severity", repeated),
            ("table", repeated),
            ("row_number", pa.int32()),
            ("child_id", pa.string()),
            ("field", repeated),
            ("message", repeated),
        ]
    )


#: Failing rows (one per rule, table and row, however many of its fields failed) per rule and
#: child: the one pass over the findings that the headline, the per-rule and the per-child
#: summaries all count from. Rows naming no child form a group of their own.
FLAGGED_SQL = """
CREATE OR REPLACE TEMP TABLE flagged AS
SELECT rule_code, "table", row_number, any_value(child_id) AS child_id FROM findings GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE rule_children AS
SELECT rule_code, child_id, count(*) AS rows FROM flagged GROUP BY ALL;
"""

_ROWS_BY_RULE = """
SELECT CAST(r.rule_code AS VARCHAR) AS rule_code, c.severity, CAST(sum(r.rows) AS BIGINT) AS rows
FROM rule_children r JOIN catalogue c ON c.code = r.rule_code
GROUP BY ALL ORDER BY rows DESC, min(c.rule)
"""


@dataclass(frozen=True)
class InputFile:
    """One table of the input as read: which file it came from and how many rows."""

    table: str
    file: Path
    rows: int
    previous: bool = False
    #: False for what is given beside the return (Ofsted's provider lists), not counted as read.
    of_return: bool = True


@dataclass
class ValidationResult:
    """A validated return: return type, collection year, LA, rules, inputs, and the database
    holding its findings (see the module docstring)."""

    return_type: str
    year: int
    la: str
    rules: list[Rule]
    inputs: list[InputFile]
    #: The connection whose database holds ``findings`` and ``catalogue``.
    database: duckdb.DuckDBPyConnection
    #: Rules not run, with the reason (a table they need was not supplied).
    skipped: dict[str, str] = field(default_factory=dict)
    _summarised: bool = field(default=False, init=False, repr=False)

    @property
    def rows_read(self) -> int:
        """Rows of this year's return (not earlier years', nor the lists given beside it)."""
        return sum(i.rows for i in self.inputs if i.of_return and not i.previous)

    @property
    def findings(self) -> pa.Table:
        """Every finding as an Arrow table in :func:`findings_schema`, in report order.

        Read from the database on each access: meant for small returns and tests; the
        reports read the findings where they are.
        """
        return self.database.execute("SELECT * FROM findings").to_arrow_table().cast(findings_schema())

    @property
    def findings_total(self) -> int:
        return self.database.execute("SELECT count(*) FROM findings").fetchone()[0]

    def summarised(self) -> duckdb.DuckDBPyConnection:
        """The database with ``flagged`` (failing rows) and ``rule_children`` (failing rows per
        rule and child) beside the findings, computed on first use."""
        if not self._summarised:
            self.database.execute(FLAGGED_SQL)
            self._summarised = True
        return self.database

    def count(self, severity: str) -> int:
        """Failing rows (not fields) of the given severity: one per rule, table and row."""
        return self._rows_by_severity().get(severity, 0)

    def _rows_by_severity(self) -> dict[str, int]:
        return dict(self.summarised().execute(
            "SELECT c.severity, CAST(sum(r.rows) AS BIGINT) FROM rule_children r "
            "JOIN catalogue c ON c.code = r.rule_code GROUP BY ALL"
        ).fetchall())

    def rows_by_rule(self) -> pa.Table:
        """Failing rows per rule: ``rule_code, severity, rows``, most first."""
        return self.summarised().execute(_ROWS_BY_RULE).to_arrow_table()

    def headline(self) -> dict:
        """The figures a run summary shows: rows read, errors, queries, children with errors."""
        rows = self._rows_by_severity()
        (children,) = self.summarised().execute(
            "SELECT count(DISTINCT r.child_id) FROM rule_children r JOIN catalogue c ON c.code = r.rule_code "
            "WHERE c.severity = 'error'"
        ).fetchone()
        return {
            "return": self.return_type,
            "year": self.year,
            "la": self.la,
            "rows_read": self.rows_read,
            "rules_run": len(self.rules) - len(self.skipped),
            "rules_skipped": len(self.skipped),
            "errors": int(rows.get("error", 0)),
            "queries": int(rows.get("query", 0)),
            "children_with_errors": children,
        }
