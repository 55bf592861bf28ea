"""Data sharing agreements: versioned YAML, validated by a JSON Schema, with a life cycle."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.governance import agreements, audit
from kinsight.governance.models import AuditEntry

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def template_document(name="early-help"):
    return yaml.safe_load(agreements.template_path(name).read_text(encoding="utf-8"))


def write(tmp_path, document, name="agreement.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", agreements.TEMPLATES)
def test_every_starter_template_is_a_valid_agreement_covering_the_ico_headings(name):
    document = agreements.read_document(agreements.template_path(name))
    assert document["id"] == name
    for heading in ("parties", "purpose", "lawful_basis", "datasets", "rules", "pseudonymisation",
                    "retention", "security", "rights_requests", "dates", "signatories"):
        assert document[heading], heading
    assert document["lawful_basis"]["statutory_gateways"]


def test_a_loaded_agreement_starts_as_a_draft_and_loading_is_audited(tmp_path):
    document = template_document() | {"status": "active"}
    stored = agreements.load_file(write(tmp_path, document), actor="dpo.jones")
    assert stored.status == "draft"
    entry = AuditEntry.objects.get(action="agreement.load")
    assert (entry.actor, entry.agreement) == ("dpo.jones", "early-help@v1")


def test_loading_the_same_version_twice_changes_nothing_but_changed_text_needs_a_new_version(tmp_path):
    document = template_document()
    first = agreements.load(document, actor="dpo")
    assert agreements.load(document, actor="dpo").pk == first.pk
    changed = document | {"title": "Early help, revised"}
    with pytest.raises(KinsightError, match="new version number"):
        agreements.load(changed, actor="dpo")
    second = agreements.load(changed | {"version": 2}, actor="dpo")
    assert agreements.get("early-help").pk == second.pk


@pytest.mark.parametrize(
    "change, field, message",
    [
        (lambda d: d.pop("lawful_basis"), "(top level)", "'lawful_basis' is a required property"),
        (lambda d: d["rules"][0].update(roles=["janitor"]), "rules.0.roles", "unknown role 'janitor'"),
        (lambda d: d["rules"][0].update(purposes=["marketing"]), "rules.0.purposes", "'marketing'"),
        (lambda d: d["datasets"][0].update(fields=["education.shoe_size"]), "datasets.0.fields", "matches no field"),
        (lambda d: d["dates"].update(start="2030-01-01"), "dates", "start ≤ review ≤ expiry"),
        (lambda d: d["dates"].update(expiry="31/03/2029"), "dates.expiry", "does not match"),
        (lambda d: d.update(status="approved"), "status", "is not one of"),
        (lambda d: d["rules"][0]["organisations"].append("acme"), "rules.0.organisations", "not a party"),
    ],
)
def test_a_bad_agreement_is_refused_naming_the_file_and_field(tmp_path, change, field, message):
    document = template_document()
    change(document)
    path = write(tmp_path, document)
    with pytest.raises(UnusableInput) as caught:
        agreements.read_document(path)
    assert str(path) in str(caught.value)
    assert f"field {field}" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "must be a YAML mapping"),
        ("title: Caf\u00e9 agreement\n".encode("cp1252"), "not a readable YAML document"),
        (b"- just\n- a list\n", "must be a YAML mapping"),
    ],
    ids=["empty", "windows-1252", "a list"],
)
def test_an_empty_or_mis_encoded_file_is_refused_clearly(tmp_path, content, message):
    path = tmp_path / "agreement.yaml"
    path.write_bytes(content)
    with pytest.raises(UnusableInput, match=message) as caught:
        agreements.read_document(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(UnusableInput, match="agreement file not found"):
        agreements.read_document(tmp_path / "nowhere.yaml")


def test_a_file_that_is_not_yaml_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"id: [unclosed\n")
    with pytest.raises(UnusableInput, match="not a readable YAML document"):
        agreements.read_document(path)


@pytest.mark.parametrize(
    "steps, allowed",
    [
        (["active"], True),
        (["active", "suspended", "active"], True),
        (["active", "expired"], True),
        (["expired"], True),
        (["suspended"], False),
        (["active", "expired", "active"], False),
        (["active", "active"], False),
    ],
)
def test_status_changes_follow_the_life_cycle(steps, allowed):
    agreements.load_template("research", actor="dpo")
    if allowed:
        for status in steps:
            agreements.transition("research", status, actor="dpo", now=NOW)
        assert agreements.get("research").status == steps[-1]
    else:
        with pytest.raises(KinsightError, match="cannot become"):
            for status in steps:
                agreements.transition("research", status, actor="dpo", now=NOW)


def test_activating_a_new_version_retires_the_old_and_every_change_is_audited():
    document = template_document("research")
    agreements.load(document, actor="dpo")
    agreements.transition("research", "active", actor="dpo", now=NOW)
    agreements.load(document | {"version": 2}, actor="dpo")
    agreements.transition("research", "active", actor="dpo", now=NOW)
    assert [(a.version, a.status) for a in agreements.register(NOW.date()) if a.agreement_id == "research"] == [
        (2, "active"), (1, "expired")]
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("agreement.active") == 2 and "agreement.expired" in actions
    assert audit.verify().intact


def test_an_agreement_past_its_expiry_cannot_be_activated_and_lapses_on_schedule():
    agreements.load_template("early-help", actor="dpo")
    agreements.transition("early-help", "active", actor="dpo", now=NOW)
    later = datetime(2029, 4, 1, tzinfo=timezone.utc)
    assert [a.agreement_id for a in agreements.expire_lapsed(now=later)] == ["early-help"]
    assert agreements.get("early-help").status == "expired"
    assert agreements.in_force(later.date()) == []


def test_an_unknown_template_is_named():
    with pytest.raises(KinsightError, match="no agreement template 'nope'"):
        agreements.template_path("nope")
