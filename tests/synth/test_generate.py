"""The generated LA: layout, formats and bad input, as other packages rely on them."""

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from kinsight.core.config import load_config
from kinsight.synth import generate
from kinsight.synth.identifiers import is_valid_nhs_number, is_valid_upn
from kinsight.synth.returns import layouts


def rows(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def header(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as handle:
        return next(csv.reader(handle))


#: The housing system sends Windows-1252, like many older partner systems.
ENCODING = {"homelessness": "cp1252"}


def test_903_tables_have_the_exact_dfe_headers_for_both_years(la):
    for year in ("2025", "2026"):
        for name, columns in layouts()["ssda903"].items():
            assert header(la / "returns" / "ssda903" / year / name) == columns


def test_cin_census_is_well_formed_with_the_2026_elements(la):
    root = etree.parse(str(la / "returns" / "cin" / "cin_census_2026.xml")).getroot()
    assert root.tag == "Message"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-03-31"
    child = root.find("Children/Child")
    assert [e.tag for e in child][:2] == ["ChildIdentifiers", "ChildCharacteristics"]
    order = ["CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure",
             "DateOfInitialCPC", "Assessments", "CINPlanDates", "Section47", "ReferralNFA",
             "ChildProtectionPlans"]
    for details in root.iter("CINdetails"):
        tags = [e.tag for e in details]
        assert tags == sorted(tags, key=order.index)
        assert "ReferralNFA" in tags
    assert (la / "returns" / "cin" / "cin_census_2025.xml").is_file()


def test_annex_a_has_lists_1_to_11(la):
    book = openpyxl.load_workbook(la / "returns" / "annex_a" / "annex_a.xlsx", read_only=True)
    assert book.sheetnames == [f"List {i}" for i in range(1, 12)]
    first = next(book["List 3"].iter_rows(max_row=1, values_only=True))
    assert first[0] == "Child Unique ID"


def test_kinsight_toml_describes_every_generated_source(la):
    config = load_config(la / "kinsight.toml")
    assert config.la == "E06000042"
    # Rates per 10,000 are on the children generated, not on Milton Keynes' real population.
    assert config.settings["project"]["population_0_17"] == 30_000
    names = {s.name for s in config.sources}
    assert names == {"ssda903", "cin_census", "annex_a", "social_care_persons", "health_visiting",
                     "school_census", "eyfs_profile", "youth_services", "homelessness",
                     "youth_justice", "care_leaver_survey", "case_notes"}
    for source in config.sources:
        assert source.path.exists(), source.name
        assert source.agreement in {"multi-agency-safeguarding", "early-help", "performance-reporting", "research"}
    assert config.source("ssda903").options["previous"] == ["returns/ssda903/2025"]
    assert config.source("case_notes").options["id_namespace"] == "la_child_id"


def test_every_partner_record_has_a_unique_id_and_a_true_child(la):
    truth = rows(la / "truth" / "records.csv")
    known = {(r["source"], r["record_id"]) for r in truth}
    assert len(known) == len(truth)
    for path in (la / "partners").glob("*/*.csv"):
        source = path.parent.name
        encoding = ENCODING.get(source, "utf-8")
        id_column = header(path, encoding)[0]
        ids = [r[id_column] for r in rows(path, encoding)]
        assert len(ids) == len(set(ids))
        assert all((source, i) in known for i in ids)


def test_partners_carry_their_own_identifiers_mostly_valid(la):
    hv = rows(next((la / "partners" / "health_visiting").glob("*2025-26.csv")))
    numbers = [r["NHS_NO"] for r in hv if r["NHS_NO"]]
    assert len(numbers) > 0.9 * len(hv)
    assert sum(is_valid_nhs_number(n) for n in numbers) > 0.98 * len(numbers)
    assert all(n.startswith("99") for n in numbers)
    school = rows(la / "partners" / "school_census" / "school_census_2026-01.csv")
    upns = [r["UPN"] for r in school if r["UPN"]]
    assert sum(is_valid_upn(u) for u in upns) > 0.98 * len(upns)
    assert "NHS_NUMBER" not in school[0] and "UPN" not in rows(
        next((la / "partners" / "youth_services").glob("*.csv")))[0]


def test_children_truth_marks_twins_grt_uasc_and_adoption(la):
    children = rows(la / "truth" / "children.csv")
    assert any(c["twin_of"] for c in children)
    assert any(c["uasc"] == "True" for c in children)
    assert any(c["adopted"] == "True" for c in children)
    assert {c["ethnicity"] for c in children} >= {"WBRI", "REFU", "NOBT"}


def test_injected_faults_are_recorded_with_a_dfe_rule(la):
    faults = rows(la / "truth" / "faults.csv")
    assert faults and all(f["rule_code"] for f in faults)
    fault = next(f for f in faults if f["source"] == "ssda903")
    table = rows(la / fault["file"])
    assert table[int(fault["row_number"]) - 1][fault["field"]] in {"X", "2011-13-45", "WBRX", "Q", "C9", "N11", "Q9"}


def test_next_month_update_has_its_own_truth(la):
    update = la / "updates" / "2026-04" / "partners"
    for source in ("health_visiting", "youth_services", "case_notes", "homelessness"):
        assert (update / source / f"{source}_2026-04.csv").is_file()
    assert rows(la / "truth" / "updates" / "2026-04" / "records.csv")


def test_the_same_seed_gives_the_same_la(tmp_path):
    generate(tmp_path / "a", children=2_000, seed=3)
    generate(tmp_path / "b", children=2_000, seed=3)
    for path in sorted(p for p in (tmp_path / "a").rglob("*") if p.is_file()):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert path.read_bytes() == twin.read_bytes(), path


def run(*args):
    return subprocess.run([sys.executable, "-m", "kinsight", "synth", *args],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("args, message", [
    (["--la", "E99999999"], "unknown local authority"),
    (["--children", "0"], "--children"),
    (["--children", "-5"], "--children"),
    (["--children", "999"], "at least 1,000"),
])
def test_bad_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, args, message):
    result = run("--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_folder_is_refused_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    result = run("--out", str(tmp_path / "out"), "--children", "1000")
    assert result.returncode == 2 and "not empty" in result.stderr
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_an_unwritable_place_is_refused(tmp_path):
    result = run("--out", str(Path("/proc/kinsight-la")), "--children", "1000")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_force_replaces_a_previous_la(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    result = run("--out", str(tmp_path / "out"), "--children", "1000", "--force")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out" / "old.txt").exists()
    assert (tmp_path / "out" / "kinsight.toml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_collection_year_2027_adds_deprivation_of_liberty_orders(tmp_path):
    generate(tmp_path / "la", children=3_000, seed=5, year=2027)
    assert header(tmp_path / "la" / "returns" / "ssda903" / "2027" / "dolo.csv") == [
        "CHILD", "DOB", "DOLO_START", "DOLO_END"]
    assert not (tmp_path / "la" / "returns" / "ssda903" / "2026" / "dolo.csv").exists()
    assert load_config(tmp_path / "la" / "kinsight.toml").source("ssda903").options["previous"] == [
        "returns/ssda903/2026"]
