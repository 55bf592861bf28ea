"""Validation runs started from the web: store the upload, validate, keep the reports.

Each run lives in ``<state>/validations/<token>/`` with the uploaded return under ``input/``,
earlier years' returns under ``previous/``, Ofsted's provider lists under ``providers/`` and
``kinsight.quality.reports.write_reports`` output under ``reports/``. The token is random,
so a URL names no child, file or LA. Nothing is kept if the upload cannot be read.
"""

from __future__ import annotations

import csv
import secrets
from collections import Counter
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.quality.cin import validate_cin
from kinsight.quality.reports import write_reports
from kinsight.quality.ssda903 import validate_903
from kinsight.sources import cin_census, ssda903
from kinsight.sources.files import ROW_NUMBER
from kinsight.web.quality.models import ValidationRun

RETURN_TYPES = {"ssda903": "SSDA903 (children looked after)", "cin": "CIN census"}
#: Report files a user may download, with their content types.
DOWNLOADS = {
    "report.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "errors.csv": "text/csv",
    "error_summary.csv": "text/csv",
    "child_summary.csv": "text/csv",
    "report.html": "text/html",
}


def folder(run: ValidationRun) -> Path:
    return Path(settings.STATE_DIR) / "validations" / run.token


def validate_upload(files: list[UploadedFile], return_type: str, year: int, la: str, user: str, *,
                    previous: list[UploadedFile] = (), providers: list[UploadedFile] = ()) -> ValidationRun:
    """Save the uploaded files, validate them, write the reports; all or nothing.

    ``previous``: last year's return (the SSDA903 tables, or the CIN census XML), so the
    rules that look back run; ``providers``: Ofsted's provider lists, for the SSDA903
    rules that check URNs against them. Both optional, as on the command line.
    """
    if return_type not in RETURN_TYPES:
        raise KinsightError(f"unknown return type {return_type!r}")
    if not files:
        raise KinsightError("Select the return's files")
    if return_type == "cin" and len(files) != 1:
        raise KinsightError("A CIN census is one XML file: select just that file")
    if return_type == "cin" and providers:
        raise KinsightError("Ofsted's provider lists are for the SSDA903 return only: remove them")
    token = secrets.token_hex(16)
    root = Path(settings.STATE_DIR) / "validations" / token
    try:
        paths = _save_all(files, root / "input")
        earlier = _save_all(previous, root / "previous")
        if return_type == "ssda903":
            # Last year's tables are one return: its folder, not each file as a return of its own.
            result = validate_903(paths, year, la, previous=[root / "previous"] if earlier else (),
                                  providers=_save_all(providers, root / "providers"))
        else:
            result = validate_cin(paths[0], year, la, previous=earlier)
        write_reports(result, root / "reports")
        return ValidationRun.objects.create(
            token=token, return_type=return_type, year=year, la=la, uploaded_by=user,
            headline=result.headline(),
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _save_all(uploads: list[UploadedFile], inputs: Path) -> list[Path]:
    if not uploads:
        return []
    inputs.mkdir(parents=True)
    return [_save(upload, inputs) for upload in uploads]


def _save(upload: UploadedFile, inputs: Path) -> Path:
    # Only the base name is kept, so a crafted name cannot write outside the run's folder.
    name = Path(upload.name or "upload").name or "upload"
    path = inputs / name
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def read_report(run: ValidationRun, name: str) -> list[dict[str, str]]:
    """One of the run's CSV reports as rows."""
    with open(folder(run) / "reports" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def skipped_rules(run: ValidationRun) -> list[tuple[str, int]]:
    """What the upload lacked for the rules not run, with how many rules each would let run,
    most first: a table of the return, last year's return, or what else a rule needs (Ofsted's
    provider lists). A rule needing two of them counts for both."""
    wanting: Counter[str] = Counter()
    for rule in read_report(run, "rules.csv"):
        if rule["status"] != "skipped":
            continue
        # The reason reads "needs A, B": each item a table, or a description of another input.
        needed = rule["skipped_because"].removeprefix("needs ").split(", ")
        wanting.update({"last year's return" if n.endswith("_previous") else n for n in needed})
    return sorted(wanting.items(), key=lambda item: (-item[1], item[0]))


def findings(run: ValidationRun, *, rule: str | None = None, child: str | None = None) -> list[dict[str, str]]:
    rows = read_report(run, "errors.csv")
    return [r for r in rows if (rule is None or r["rule_code"] == rule) and (child is None or r["child_id"] == child)]


@dataclass(frozen=True)
class FailingRow:
    """One row of the return with the rules it broke; ``cells`` are (field, value, failing)."""

    table: str
    row_number: int
    cells: list[tuple[str, str, bool]]
    messages: list[tuple[str, str, str]]


def child_rows(run: ValidationRun, child: str) -> list[FailingRow]:
    """The child's failing rows as the return holds them, with the failing fields marked."""
    found = findings(run, child=child)
    if not found:
        return []
    tables = _read_tables(run)
    by_row: dict[tuple[str, int], list[dict[str, str]]] = {}
    for finding in found:
        by_row.setdefault((finding["table"], int(finding["row_number"] or 0)), []).append(finding)
    rows = []
    for (table, row_number), row_findings in sorted(by_row.items()):
        failing = {f["field"] for f in row_findings}
        values = _row(tables.get(table), row_number)
        cells = [(name, "" if value is None else str(value), name in failing) for name, value in values.items()]
        cells += [(name, "(missing)", True) for name in sorted(failing - set(values)) if name]
        messages = sorted({(f["rule_code"], f["severity"], f["message"]) for f in row_findings})
        rows.append(FailingRow(table, row_number, cells, messages))
    return rows


def _read_tables(run: ValidationRun) -> dict[str, pa.Table]:
    inputs = sorted((folder(run) / "input").iterdir())
    try:
        if run.return_type == "ssda903":
            return ssda903.read_return(inputs, run.year).tables
        return cin_census.read_cin_census(inputs[0], run.year).tables
    except UnusableInput:
        return {}


def _row(table: pa.Table | None, row_number: int) -> dict[str, object]:
    if table is None or ROW_NUMBER not in table.column_names:
        return {}
    numbers = table.column(ROW_NUMBER).to_pylist()
    if row_number not in numbers:
        return {}
    row = table.slice(numbers.index(row_number), 1).to_pylist()[0]
    return {k: v for k, v in row.items() if k not in (ROW_NUMBER, "file")}
