"""``kinsight validate``: check a statutory return against the DfE rules of its year.

    kinsight validate 903 PATH... --year 2026 --la E09000027 [--previous PATH...] [--providers PATH...] --out DIR
    kinsight validate cin FILE.xml --year 2026 --la E09000027 [--previous FILE.xml...] --out DIR

Exit 0 when validation completed, whatever it found; exit 2 with one clear line
when the input cannot be used.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kinsight.cli.app import app
from kinsight.core.errors import UnusableInput
from kinsight.quality.reports import write_reports
from kinsight.quality.result import ValidationResult

validate_app = typer.Typer(help="Validate a statutory return against the DfE rules of its year.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")

_LA_CODE = re.compile(r"^E(06|07|08|09|10)\d{6}$")
#: Rules shown in the terminal summary; the reports hold them all.
_TOP_RULES = 15

YearOption = typer.Option(..., "--year", help="Collection year's end: 2026 = 2025/26.")
LaOption = typer.Option(..., "--la", help="The local authority's ONS code, e.g. E09000027.")
OutOption = typer.Option(..., "--out", help="Folder for the reports (replaced as a whole).")


@validate_app.command("903")
def validate_ssda903(
    paths: list[Path] = typer.Argument(..., help="903 CSV/xlsx files, folders of them, or the DfE 903 XML."),
    year: int = YearOption,
    la: str = LaOption,
    previous: list[Path] = typer.Option([], "--previous", help="An earlier year's return (repeatable)."),
    providers: list[Path] = typer.Option(
        [], "--providers",
        help="Ofsted's children's homes or social care providers list, xlsx or CSV (repeatable); "
             "the rules checking URNs against them are skipped without them.",
    ),
    out: Path = OutOption,
) -> None:
    """Validate an SSDA903 (children looked after) return."""
    from kinsight.quality.ssda903 import validate_903

    result = validate_903(paths, year, _la_code(la), previous=previous, providers=providers)
    _finish(result, out)


@validate_app.command("cin")
def validate_cin_census(
    path: Path = typer.Argument(..., help="The CIN census XML file."),
    year: int = YearOption,
    la: str = LaOption,
    previous: list[Path] = typer.Option([], "--previous", help="An earlier year's census XML (repeatable)."),
    out: Path = OutOption,
) -> None:
    """Validate a CIN (children in need) census return."""
    from kinsight.quality.cin import validate_cin

    result = validate_cin(path, year, _la_code(la), previous=previous)
    _finish(result, out)


def _la_code(la: str) -> str:
    code = la.strip().upper()
    if not _LA_CODE.match(code):
        raise UnusableInput(f"--la {la!r} is not an English local authority's ONS code (like E09000027)")
    return code


def _finish(result: ValidationResult, out: Path) -> None:
    written = write_reports(result, out)
    console = Console()
    headline = result.headline()
    console.print(
        f"[bold]{result.return_type.upper()} {result.year - 1}/{result.year % 100}[/] for {result.la}: "
        f"{headline['rows_read']:,} rows read, {headline['rules_run']} rules run "
        f"({headline['rules_skipped']} skipped for want of what they read; rules.csv says what)."
    )
    console.print(
        f"[red]{headline['errors']:,} rows with errors[/], [yellow]{headline['queries']:,} with queries[/], "
        f"{headline['children_with_errors']:,} children with errors."
    )
    by_rule = result.rows_by_rule().slice(0, _TOP_RULES).to_pylist()
    if by_rule:
        messages = {r.code: r.message for r in result.rules}
        table = Table("Rule", "Severity", "Rows", "Message", title="Most frequent findings")
        for row in by_rule:
            table.add_row(row["rule_code"], row["severity"], f"{row['rows']:,}", messages[row["rule_code"]])
        console.print(table)
    console.print(f"Reports written to {written}")
