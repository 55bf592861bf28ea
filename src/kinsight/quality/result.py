"""The outcome of validating one return: what was read, which rules ran, what they found.

The findings are an Arrow table with one row per failing field of a failing row,
so the reports, the pipeline's run summary and the web service can all filter
and count them without re-running anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kinsight.quality.catalogue import Rule

FINDINGS_SCHEMA = pa.schema(
    [
        ("rule_code", pa.string()),
        ("severity", pa.string()),
        ("table", pa.string()),
        ("row_number", pa.int32()),
        ("child_id", pa.string()),
        ("field", pa.string()),
        ("message", pa.string()),
    ]
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

    def count(self, severity: str) -> int:
        """Failing rows (not fields) of the given severity."""
        chosen = self.findings.filter(pc.equal(self.findings["severity"], severity))
        return len(set(zip(chosen["rule_code"].to_pylist(), chosen["table"].to_pylist(),
                           chosen["row_number"].to_pylist())))

    def headline(self) -> dict:
        """The figures a run summary shows: rows read, errors, queries, children with errors."""
        errors = self.findings.filter(pc.equal(self.findings["severity"], "error"))
        return {
            "return": self.return_type,
            "year": self.year,
            "la": self.la,
            "rows_read": self.rows_read,
            "rules_run": len(self.rules) - len(self.skipped),
            "rules_skipped": len(self.skipped),
            "errors": self.count("error"),
            "queries": self.count("query"),
            "children_with_errors": len(pc.unique(pc.drop_null(errors["child_id"]))),
        }
