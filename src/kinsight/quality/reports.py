"""Writing a validation result as the reports LAs and the web service use.

``write_reports(result, out_dir)`` writes, all at once or not at all:

``errors.csv``         every finding: rule_code, severity, table, row_number, child_id, field, message
``error_summary.csv``  per rule that found something: code, message, severity, rows, children, fields
``child_summary.csv``  per child: errors, queries, rule codes
``rules.csv``          the catalogue of the year: every rule, whether it ran, and what it found
``report.xlsx``        the same as sheets (plus the headline and the inputs), the first
                       10,000 rows of each
``report.html``        a self-contained, accessible page: headline, summary per rule, first rows per rule
``report.json``        all of it, machine-readable, for the web service to render and filter;
                       the first 100,000 findings (``findings_total`` says how many there are)

The files are written to a temporary folder beside ``out_dir`` and renamed into
place at the end, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from queue import SimpleQueue

from jinja2 import Environment, PackageLoader, select_autoescape

from kinsight.core.sql import literal, quote
from kinsight.quality.result import ValidationResult
from kinsight.quality.xlsx import Bold, Sheet, Value, write_workbook

#: Rows shown per rule in the HTML report; errors.csv holds them all.
HTML_ROWS_PER_RULE = 20
#: Findings in report.json. A return with systemic errors has millions; a browser cannot use
#: that many, so it says how many there are, and errors.csv holds every one.
FINDINGS_SHOWN = 100_000
#: Rows per sheet of report.xlsx. Every cell is still some Python work, so a workbook of every
#: finding or every child of a large LA would take longer than validating it; the CSVs hold all.
XLSX_ROWS_SHOWN = 10_000
#: The reports' tables (in the result's database) and their CSV files.
_CSV_OF_TABLE = {"findings": "errors.csv", "error_summary": "error_summary.csv",
                 "child_summary": "child_summary.csv", "rules": "rules.csv"}
#: The arrays of report.json that DuckDB writes, and what each holds.
_JSON_ARRAYS = {"child_summary": "child_summary", "findings": f"(SELECT * FROM findings LIMIT {FINDINGS_SHOWN})"}
#: Copies written at once (see ``_copying``): one per core of a build machine.
_COPIERS = 2
#: The sheets of report.xlsx after its summary, and the table each shows the first rows of.
_SHEETS = {"Error summary": "error_summary", "Child summary": "child_summary", "Errors": "findings",
           "Rules": "rules"}

# The summaries count failing rows, from the result's ``rule_children`` (failing rows per rule and
# child) rather than from the findings, which are per field and millions in a return full of errors.
_SUMMARY_SQL = """
SELECT CAST(r.rule_code AS VARCHAR) AS code, c.message, c.severity, CAST(sum(r.rows) AS BIGINT) AS rows,
       count(r.child_id) AS children, t.fields
FROM rule_children r
JOIN catalogue c ON c.code = r.rule_code
JOIN (SELECT rule_code,
             string_agg(CAST("table" AS VARCHAR) || '.' || CAST(field AS VARCHAR), ', '
                        ORDER BY "table", field) AS fields
      FROM (SELECT DISTINCT rule_code, "table", field FROM findings)
      GROUP BY rule_code) t ON t.rule_code = r.rule_code
GROUP BY r.rule_code, c.message, c.severity, t.fields
ORDER BY rows DESC, code
"""

_CHILD_SQL = """
SELECT r.child_id,
       CAST(coalesce(sum(r.rows) FILTER (WHERE c.severity = 'error'), 0) AS BIGINT) AS errors,
       CAST(coalesce(sum(r.rows) FILTER (WHERE c.severity = 'query'), 0) AS BIGINT) AS queries,
       array_to_string(list_sort(list(c.code)), ' ') AS rule_codes
FROM rule_children r JOIN catalogue c ON c.code = r.rule_code
WHERE r.child_id IS NOT NULL
GROUP BY r.child_id ORDER BY errors DESC, queries DESC, r.child_id
"""


def write_reports(result: ValidationResult, out_dir: Path | str) -> Path:
    """Write every report of ``result`` into ``out_dir`` (created or replaced), atomically."""
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _write_all(result, staging)
        if out_dir.exists():
            retired = staging.with_name(staging.name + ".old")
            out_dir.rename(retired)
            staging.rename(out_dir)
            shutil.rmtree(retired)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def _write_all(result: ValidationResult, folder: Path) -> None:
    con = result.summarised()
    # Every table of the reports is made and written out by DuckDB; Python holds only the few
    # rows the workbook, the page and the JSON document show. They are tables of the result's
    # database, not temporary ones, so that other cursors can copy them out.
    con.execute(f"CREATE OR REPLACE TABLE error_summary AS {_SUMMARY_SQL}")
    con.execute(f"CREATE OR REPLACE TABLE child_summary AS {_CHILD_SQL}")
    con.execute(f"CREATE OR REPLACE TABLE rules AS {_rules_sql(result)}")
    copies = {folder / file: (table, "HEADER, DELIMITER ','") for table, file in _CSV_OF_TABLE.items()} | {
        _json_part(folder, key): (source, "FORMAT json, ARRAY true") for key, source in _JSON_ARRAYS.items()
    }
    with _copying(con, copies):
        headline = result.headline()
        inputs = [
            {"table": i.table, "file": str(i.file), "rows": i.rows, "previous": i.previous} for i in result.inputs
        ]
        sheets = {name: _Rows.in_database(con, table) for name, table in _SHEETS.items()}
        summary, rules = sheets["Error summary"], sheets["Rules"]
        _write_xlsx(folder / "report.xlsx", headline, inputs, sheets)
        _write_html(folder / "report.html", result, headline, inputs, summary.as_dicts(), _examples(con))
    _write_json(folder / "report.json", headline, inputs, summary.as_dicts(), rules.as_dicts(), result.findings_total)


@dataclass(frozen=True)
class _Rows:
    """A table's columns, its first rows as Python values, and how many rows it has in all."""

    columns: list[str]
    first: list[tuple]
    total: int

    @classmethod
    def in_database(cls, con, table: str) -> _Rows:
        (total,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        cursor = con.execute(f"SELECT * FROM {table} LIMIT {XLSX_ROWS_SHOWN}")
        return cls([d[0] for d in cursor.description], cursor.fetchall(), total)

    def as_dicts(self) -> list[dict]:
        """The first rows as dicts (all of them for a table of one row per rule)."""
        return [dict(zip(self.columns, row)) for row in self.first]


def _rules_sql(result: ValidationResult) -> str:
    """The year's catalogue: every rule, whether it ran (or why not), and the rows it flagged."""
    described = ", ".join(
        f"({index}, {literal(' '.join(r.tables))}, {literal(' '.join(r.fields))}, {literal(r.implementation)}, "
        f"{literal(result.skipped[r.code]) if r.code in result.skipped else 'NULL'})"
        for index, r in enumerate(result.rules)
    )
    return f"""
        SELECT c.code, c.severity, c.message, d.tables, d.fields, d."implementation",
               CASE WHEN d.skipped_because IS NULL THEN 'run' ELSE 'skipped' END AS status, d.skipped_because,
               CASE WHEN d.skipped_because IS NULL THEN coalesce(f.rows, 0) END AS rows
        FROM catalogue c
        JOIN (VALUES {described}) d(rule, tables, fields, "implementation", skipped_because) USING (rule)
        LEFT JOIN (SELECT rule_code, CAST(sum(rows) AS BIGINT) AS rows FROM rule_children GROUP BY ALL) f
            ON f.rule_code = c.code
        ORDER BY c.rule"""


@contextmanager
def _copying(con, copies: dict[Path, tuple[str, str]]) -> Iterator[None]:
    """Write tables (or parenthesised queries) to files with DuckDB, on cursors of ``con``, while
    the caller carries on; every file is written when the block ends.

    Millions of rows, no Python per row. The tables are already in report order, and a copy on
    one thread keeps it without buffering: keeping order across threads holds the whole file in
    memory, beyond the 1 GB bound. So DuckDB runs on one thread meanwhile, and two copies at once
    use both cores.
    """
    (threads,) = con.execute("SELECT current_setting('threads')").fetchone()
    (database,) = con.execute("SELECT current_database()").fetchone()
    con.execute("SET threads = 1")
    cursors: SimpleQueue = SimpleQueue()
    opened = [con.cursor() for _ in range(_COPIERS)]
    for cursor in opened:
        cursor.execute(f"USE {quote(database)}")
        cursors.put(cursor)

    def copy(path: Path, source: str, options: str) -> None:
        cursor = cursors.get()
        try:
            cursor.execute(f"COPY {source} TO {literal(str(path))} ({options})")
        finally:
            cursors.put(cursor)

    try:
        with ThreadPoolExecutor(_COPIERS) as pool:
            done = [pool.submit(copy, path, source, options) for path, (source, options) in copies.items()]
            yield
            for future in done:
                future.result()
    finally:
        for cursor in opened:
            cursor.close()
        con.execute(f"SET threads = {int(threads)}")


def _json_part(folder: Path, key: str) -> Path:
    """Where DuckDB writes one of report.json's arrays before it is spliced in."""
    return folder / f".{key}.json"


def _write_xlsx(path: Path, headline: dict, inputs: list[dict], sheets: dict[str, _Rows]) -> None:
    """report.xlsx: the headline and inputs, then each sheet's first rows and how many there are in all."""
    summary: list[Sequence[Value]] = [
        *([Bold(key.replace("_", " ").capitalize()), value] for key, value in headline.items()),
        [],
        [Bold(name) for name in ("Table", "File", "Rows", "Previous year")],
        *([i["table"], i["file"], i["rows"], "yes" if i["previous"] else "no"] for i in inputs),
    ]
    tables = [Sheet(name, _sheet_rows(name, rows)) for name, rows in sheets.items()]
    write_workbook(path, [Sheet("Summary", summary), *tables])


def _sheet_rows(name: str, rows: _Rows) -> list[Sequence[Value]]:
    """A bold header (saying where the rest is when there are more rows than shown), then the first rows."""
    header: list[Value] = [Bold(column) for column in rows.columns]
    if rows.total > XLSX_ROWS_SHOWN:
        header.append(f"First {XLSX_ROWS_SHOWN:,} of {rows.total:,} rows; see {_CSV_OF_TABLE[_SHEETS[name]]}")
    return [header, *rows.first]


def _examples(con) -> dict[str, list[dict]]:
    """The first rows each rule flagged, with their failing fields, for the HTML report.

    The rows are chosen among flagged rows (one per rule, table and row) and only those few are
    joined back to the findings for their fields, rather than grouping every finding.
    """
    first_rows = con.execute(
        f"""WITH shown AS (
               SELECT rule_code, "table", row_number, child_id FROM flagged
               QUALIFY row_number() OVER (PARTITION BY rule_code ORDER BY "table", row_number) <= {HTML_ROWS_PER_RULE})
           SELECT CAST(s.rule_code AS VARCHAR) AS code, s."table", s.row_number, s.child_id,
                  string_agg(CAST(f.field AS VARCHAR), ', ' ORDER BY f.field)
           FROM shown s JOIN findings f ON f.rule_code = s.rule_code
                AND f."table" = s."table" AND f.row_number IS NOT DISTINCT FROM s.row_number
           GROUP BY ALL ORDER BY code, s."table", s.row_number"""
    ).fetchall()
    examples: dict[str, list] = {}
    for code, table, row, child, fields in first_rows:
        examples.setdefault(code, []).append({"table": table, "row": row, "child": child, "fields": fields})
    return examples


def _write_html(path: Path, result: ValidationResult, headline: dict, inputs, summary: list[dict], examples) -> None:
    environment = Environment(
        loader=PackageLoader("kinsight.quality", "templates"), autoescape=select_autoescape(["html"])
    )
    page = environment.get_template("report.html").render(
        result=result,
        headline=headline,
        inputs=inputs,
        summary=summary,
        examples=examples,
        rows_per_rule=HTML_ROWS_PER_RULE,
        skipped=result.skipped,
        generated=datetime.now(UTC).strftime("%d %B %Y %H:%M UTC"),
    )
    path.write_text(page, encoding="utf-8")


def _write_json(path: Path, headline, inputs, summary, rules, total: int) -> None:
    """``report.json``; the per-child and per-finding arrays were written by DuckDB
    (:data:`_JSON_ARRAYS`), so hundreds of thousands of rows stay fast."""
    document = {
        "headline": headline,
        "findings_total": total,
        "findings_truncated": total > FINDINGS_SHOWN,
        "inputs": inputs,
        "error_summary": summary,
        "rules": rules,
    }
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(document, ensure_ascii=False)[:-1])
        for key in _JSON_ARRAYS:
            part = _json_part(path.parent, key)
            out.write(f", {json.dumps(key)}: ")
            with open(part, encoding="utf-8") as written:
                shutil.copyfileobj(written, out, 1 << 20)
            part.unlink()
        out.write("}")
