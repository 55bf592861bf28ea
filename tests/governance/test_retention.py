"""Retention: records past their agreement's retention are purged on schedule, and audited."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest

from kinsight.core.config import load_config
from kinsight.governance import pseudonymise, retention, sar
from kinsight.governance.models import AuditEntry, PurgedRecord, ResearchProject

from .deployment import KAI, SNAPSHOT

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

#: Kai turned 25 on 2037-07-02; Amara and Leo are not yet 25 then.
AFTER_KAI_IS_25 = date(2038, 1, 1)
KAI_RECORDS = {("social_care_persons", "SC1002"), ("school_census", "SCH-2"), ("case_notes", "N-2")}


@pytest.fixture
def config(deployment_config, starter_agreements):
    return load_config(deployment_config)


def test_nothing_is_purged_before_its_time(config):
    report = retention.run(config, today=date(2026, 11, 2))
    assert report.purged == {} and PurgedRecord.objects.count() == 0


def test_a_dry_run_says_what_would_go_and_changes_nothing(config):
    report = retention.run(config, today=AFTER_KAI_IS_25, dry_run=True)
    assert report.purged == {"case_notes": 1, "school_census": 1, "social_care_persons": 1}
    assert PurgedRecord.objects.count() == 0
    assert not AuditEntry.objects.filter(action="retention.purge").exists()


def test_records_past_retention_are_purged_listed_for_the_pipeline_and_audited(config):
    older = config.warehouse / "snapshots" / "20250101T000000Z.duckdb"
    shutil.copy(config.warehouse / "snapshots" / f"{SNAPSHOT}.duckdb", older)
    report = retention.run(config, actor="scheduler", today=AFTER_KAI_IS_25)
    assert set(PurgedRecord.objects.values_list("source", "record_id")) == KAI_RECORDS
    with open(config.warehouse / retention.PURGE_LIST, newline="", encoding="utf-8") as handle:
        assert {(r["source"], r["record_id"]) for r in csv.DictReader(handle)} == KAI_RECORDS
    assert report.snapshots_deleted == ["20250101T000000Z"] and not older.exists()
    purges = AuditEntry.objects.filter(action="retention.purge")
    assert {(e.target, e.details["records"]) for e in purges} == {
        ("dataset:case_notes", 1), ("dataset:school_census", 1), ("dataset:social_care_persons", 1)}
    assert not any(KAI in str(e.details) or "SC1002" in str(e.details) for e in purges)
    assert sar.subject_access(config, KAI, actor="dpo")["records"] == []


def test_a_run_expires_agreements_past_their_expiry_date(config):
    report = retention.run(config, today=date(2029, 4, 1))
    assert set(report.agreements_expired) == {"early-help@v1", "multi-agency-safeguarding@v1",
                                              "performance-reporting@v1", "research@v1"}
    assert AuditEntry.objects.filter(action="agreement.expired").count() == 4


def test_a_second_run_purges_nothing_new(config):
    retention.run(config, today=AFTER_KAI_IS_25)
    assert retention.run(config, today=AFTER_KAI_IS_25).purged == {}


def test_research_keys_are_destroyed_when_the_agreement_and_its_retention_end(config):
    pseudonymise.create_project("study-a", agreement_id="research", actor="dpo")
    assert retention.run(config, today=date(2029, 1, 1)).keys_destroyed == []
    assert retention.run(config, today=date(2029, 9, 1)).keys_destroyed == ["study-a"]
    assert ResearchProject.objects.get(code="study-a").key == ""


def test_a_source_without_an_agreement_is_left_alone(config, deployment_config):
    text = deployment_config.read_text(encoding="utf-8")
    deployment_config.write_text(text.replace('agreement = "early-help"', 'agreement = ""'), encoding="utf-8")
    report = retention.run(load_config(deployment_config), today=AFTER_KAI_IS_25)
    assert "school_census" in report.left_alone and "school_census" not in report.purged


@pytest.mark.parametrize(
    "basis, years, expected",
    [("age", 25, "until your 25th birthday, then deleted"),
     ("age", 18, "until your 18th birthday, then deleted"),
     ("record_date", 7, "for 7 years after the latest date in the record, then deleted")],
)
def test_retention_is_described_in_plain_english(basis, years, expected):
    rule = retention.RetentionRule("x", basis, years, "delete", "", date(2029, 3, 31))
    assert rule.describe() == expected


def test_a_29_february_birthday_keeps_to_28_february():
    rule = retention.RetentionRule("x", "age", 25, "delete", "", date(2029, 3, 31))
    assert rule.due(dob=date(2016, 2, 29), latest=None) == date(2041, 2, 28)
