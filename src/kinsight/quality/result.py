"""The outcome of validating one return: what was read, which rules ran, what they found.

The findings are an Arrow table with one row per failing field of a failing row,
so the reports, the pipeline's run summary and the web service can all filter
and count them without re-running anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kinsight.quality.catalogue import Rule

#: Columns that repeat a few values millions of times are dictionary-encoded, which keeps a
#: result with millions of findings small; they read as plain strings.
_REPEATED = pa.dictionary(pa.int32(), pa.string())
FINDINGS_SCHEMA = pa.schema(
    [
        ("rule_code", _REPEATED),
        ("severity", _REPEATED),
        ("table", _REPEATED),
        ("row_number", pa.int32()),
        ("child_id", pa.string()),
        ("field", _REPEATED),
        ("message", _REPEATED),
    ]
)

# A failing row is one rule, table and row, however many of its fields failed.
_ROWS_BY_SEVERITY = """
SELECT CAST(severity AS VARCHAR), count(*) FROM
  (SELECT DISTINCT rule_code, severity, "table", row_number FROM findings)
GROUP BY ALL
"""
_CHILDREN_WITH_ERRORS = "SELECT count(DISTINCT child_id) FROM findings WHERE severity = 'error'"


def findings_table(found: pa.Table, rules: list[Rule]) -> pa.Table:
    """Findings in :data:`FINDINGS_SCHEMA` from rows naming their rule by its catalogue index.

    Code, severity and message are dictionaries over the catalogue, indexed by that rule
    number, so a million findings of one rule hold its message once.
    """
    rule = found["rule"].combine_chunks().cast(pa.int32())

    def of_rule(values: list[str]) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(rule, pa.array(values, pa.string()))

    def encoded(name: str) -> pa.Array:
        return pc.dictionary_encode(found[name].combine_chunks().cast(pa.string())).cast(_REPEATED)

    return pa.Table.from_arrays(
        [
            of_rule([r.code for r in rules]),
            of_rule([r.severity for r in rules]),
            encoded("table"),
            found["row_number"].combine_chunks().cast(pa.int32()),
            found["child_id"].combine_chunks().cast(pa.string()),
            encoded("field"),
            of_rule([r.message for r in rules]),
        ],
        schema=FINDINGS_SCHEMA,
    )


@dataclass(frozen=True)
class InputFile:
    """One table of the input as read: which file it came from and how many rows."""

    table: str
    file: Path
    rows: int
    previous: bool = False


@dataclass
class ValidationResult:
    """A validated return: return type, collection year, LA, rules, findings, inputs."""

    return_type: str
    year: int
    la: str
    rules: list[Rule]
    findings: pa.Table
    inputs: list[InputFile]
    #: Rules not run, with the reason (a table they need was not supplied).
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return sum(i.rows for i in self.inputs if not i.previous)

    def _query(self, sql: str) -> list[tuple]:
        """Run ``sql`` over the findings (as ``findings``) in a private DuckDB connection.

        DuckDB reads the Arrow table in place and counts millions of findings in one pass,
        several times faster than grouping them in Arrow after casting the dictionaries.
        """
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.register("findings", self.findings)
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def _rows_by_severity(self) -> dict[str, int]:
        return dict(self._query(_ROWS_BY_SEVERITY))

    def count(self, severity: str) -> int:
        """Failing rows (not fields) of the given severity: one per rule, table and row."""
        return self._rows_by_severity().get(severity, 0)

    def rows_by_rule(self) -> pa.Table:
        """Failing rows per rule: ``rule_code, severity, rows``, most first."""
        keys = pa.table({name: self.findings[name].cast(pa.string()) for name in ("rule_code", "severity", "table")}
                        | {"row_number": self.findings["row_number"]})
        distinct = keys.group_by(["rule_code", "severity", "table", "row_number"]).aggregate([])
        counted = distinct.group_by(["rule_code", "severity"]).aggregate([("row_number", "count")])
        return counted.rename_columns(["rule_code", "severity", "rows"]).sort_by([("rows", "descending")])

    def headline(self) -> dict:
        """The figures a run summary shows: rows read, errors, queries, children with errors."""
        rows = self._rows_by_severity()
        (children,) = self._query(_CHILDREN_WITH_ERRORS)[0]
        return {
            "return": self.return_type,
            "year": self.year,
            "la": self.la,
            "rows_read": self.rows_read,
            "rules_run": len(self.rules) - len(self.skipped),
            "rules_skipped": len(self.skipped),
            "errors": rows.get("error", 0),
            "queries": rows.get("query", 0),
            "children_with_errors": children,
        }
