"""Validating a whole SSDA903 return and writing its reports, as the CLI and pipeline do."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kinsight.quality import reports
from kinsight.quality.catalogue import load_rules
from kinsight.quality.reports import write_reports
from kinsight.quality.result import findings_schema
from kinsight.quality.ssda903 import validate_903
from kinsight.sources import ssda903

FAKE = Path(__file__).parents[1] / "fixtures" / "ssda903-reference-fake"
LA = "E09000027"


@pytest.fixture(scope="module")
def fake_2026(tmp_path_factory):
    """The reference fake return without DoLo, which 2025/26 does not collect."""
    folder = tmp_path_factory.mktemp("fake")
    for path in FAKE.glob("*.csv"):
        if path.name != "DoLo.csv":
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def result(fake_2026):
    return validate_903([fake_2026], 2026, LA)


def test_findings_name_rule_table_row_child_and_field(result):
    assert result.findings.schema == findings_schema()
    first = result.findings.slice(0, 1).to_pylist()[0]
    assert first["rule_code"] and first["table"] and first["row_number"] >= 1 and first["field"]


def test_the_findings_stay_in_the_database_the_rules_ran_in_and_the_return_is_let_go(result):
    tables = {name for (name,) in result.database.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()}
    assert {"findings", "catalogue"} <= tables and "Episodes" not in tables
    assert result.findings_total == result.findings.num_rows > 0
    by_rule = result.rows_by_rule().to_pylist()
    assert sum(r["rows"] for r in by_rule) == result.headline()["errors"] + result.headline()["queries"]


def test_the_findings_are_in_report_order_table_row_rule_field(result):
    found = result.findings.select(["table", "row_number"]).to_pylist()
    keys = [(f["table"], f["row_number"]) for f in found]
    assert keys == sorted(keys)


def test_the_old_sex_codes_of_the_fake_data_fail_rule_101_for_every_child(result):
    assert result.findings["rule_code"].to_pylist().count("101") == 2675
    assert result.headline()["children_with_errors"] >= 2675


def test_rules_needing_last_years_return_are_skipped_without_it_and_run_with_it(result, fake_2026):
    assert "503A" in result.skipped and "needs Episodes_previous" in result.skipped["503A"]
    with_history = validate_903([fake_2026], 2026, LA, previous=[fake_2026])
    assert "503A" not in with_history.skipped
    # Last year's return being this year's, no child's first episode differs from itself.
    codes = set(with_history.findings["rule_code"].to_pylist())
    assert "202" not in codes and "203" not in codes


def test_unknown_codes_and_malformed_dates_are_findings_not_failures(tmp_path):
    (tmp_path / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,X,31/02/2010,ZZZZ,UN1,,\n"
    )
    found = validate_903([tmp_path], 2026, LA).findings.to_pylist()
    assert {(f["rule_code"], f["field"]) for f in found} >= {("101", "SEX"), ("102", "DOB"), ("103", "ETHNIC")}


def test_every_year_has_a_catalogue_and_2027_adds_the_dolo_rules():
    codes_2026 = {r.code for r in load_rules("ssda903", 2026)}
    codes_2027 = {r.code for r in load_rules("ssda903", 2027)}
    assert codes_2027 - codes_2026 == {str(c) for c in range(700, 711)}
    assert len(codes_2026) > 280


def test_reports_are_written_with_the_contracted_files_and_columns(result, tmp_path):
    out = write_reports(result, tmp_path / "out")
    assert {p.name for p in out.iterdir()} == {
        "errors.csv", "error_summary.csv", "child_summary.csv", "rules.csv",
        "report.xlsx", "report.html", "report.json",
    }
    with open(out / "errors.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:7] == ["rule_code", "severity", "table", "row_number", "child_id", "field", "message"]
    document = json.loads((out / "report.json").read_text())
    assert document["headline"] == json.loads(json.dumps(result.headline()))
    assert document["findings_total"] == result.findings.num_rows
    assert len(document["findings"]) == min(result.findings.num_rows, reports.FINDINGS_SHOWN)
    html = (out / "report.html").read_text()
    assert '<html lang="en">' in html and "<caption>" in html and "http" not in html.split("<body>")[0]


def test_a_failure_while_writing_leaves_nothing_half_written(result, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_reports(result, out)
    before = sorted(p.name for p in out.iterdir())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(reports, "_write_html", broken)
    with pytest.raises(OSError):
        write_reports(result, out)
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def run_kinsight(*args):
    return subprocess.run([sys.executable, "-m", "kinsight", *args], capture_output=True, text=True, check=False)


def test_the_cli_exits_0_when_validation_completes(fake_2026, tmp_path):
    done = run_kinsight("validate", "903", str(fake_2026 / "header.csv"), str(fake_2026 / "episodes.csv"),
                        "--year", "2026", "--la", LA, "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "rows with errors" in done.stdout
    assert (tmp_path / "out" / "errors.csv").is_file()


def test_the_cli_exits_2_with_one_line_and_writes_nothing_for_unusable_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("CHILD,SEX\n1,M\n")
    done = run_kinsight("validate", "903", str(bad), "--year", "2026", "--la", LA, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "bad.csv" in done.stderr and "closest to" in done.stderr
    assert not (tmp_path / "out").exists()
    wrong_la = run_kinsight("validate", "903", str(bad), "--year", "2026", "--la", "Camden", "--out", str(tmp_path / "o"))
    assert wrong_la.returncode == 2 and "ONS code" in wrong_la.stderr


def test_a_ragged_row_is_refused_naming_the_file_and_its_data_row(fake_2026, tmp_path):
    lines = (fake_2026 / "episodes.csv").read_text().splitlines()
    lines[5] += ",an extra cell"
    (tmp_path / "episodes.csv").write_text("\n".join(lines) + "\n")
    done = run_kinsight("validate", "903", str(tmp_path / "episodes.csv"), "--year", "2026", "--la", LA,
                        "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "episodes.csv, row 5: a row has the wrong number of columns (expected 13, found 14)" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_csv_return_reads_as_the_same_tables_whichever_reader_reads_it(fake_2026):
    # DuckDB scans the CSV files of a validation; Arrow reads the same files for everything
    # else, and a Windows-1252 return. Both give the rules the same tables.
    scanned = validate_903([fake_2026], 2026, LA)
    assert {i.table: i.rows for i in scanned.inputs} == {
        name: table.num_rows for name, table in ssda903.read_return([fake_2026], 2026).tables.items()}
    assert [i.file.name for i in scanned.inputs] == sorted(p.name for p in fake_2026.glob("*.csv"))


def test_validating_a_csv_return_and_writing_its_reports_needs_neither_arrow_nor_pandas(fake_2026, tmp_path):
    # DuckDB reads the files and writes the reports. Importing Arrow and NumPy takes a third of a
    # second, and Arrow's first conversion of Python values imports pandas: another second.
    done = subprocess.run(
        [sys.executable, "-c", (
            "import sys; from kinsight.quality.ssda903 import validate_903; "
            "from kinsight.quality.reports import write_reports; "
            f"write_reports(validate_903([{str(fake_2026)!r}], 2026, {LA!r}), {str(tmp_path / 'out')!r}); "
            "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules))")],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
