"""Data sharing agreements: versioned YAML documents, validated, stored and moved through their life.

An agreement is written as YAML (see ``data/templates/`` for the starter set and
``data/agreement.schema.json`` for every heading of the ICO data sharing code it
carries), checked against the JSON Schema and against the governance vocabulary
(roles, purposes, fields), and stored as a numbered version. Only an agreement
that is ``active`` and in date is *in force*; nothing is shared without one.

Life cycle::

    draft ──► active ◄──► suspended
                │              │
                └──► expired ◄─┘      (also: a draft may be withdrawn to expired)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.db import transaction
from django.utils import timezone

from kinsight.core.errors import KinsightError, UnusableInput
from kinsight.governance import audit, catalogue
from kinsight.governance.models import Agreement

#: Allowed status changes: from → the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"active", "expired"}),
    "active": frozenset({"suspended", "expired"}),
    "suspended": frozenset({"active", "expired"}),
    "expired": frozenset(),
}

TEMPLATES = ("multi-agency-safeguarding", "early-help", "performance-reporting", "research")


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema every agreement document must satisfy."""
    text = resources.files("kinsight.governance").joinpath("data", "agreement.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def template_path(name: str) -> Path:
    """The YAML file of a starter template, by its id."""
    if name not in TEMPLATES:
        raise KinsightError(f"no agreement template {name!r}; the templates are {', '.join(TEMPLATES)}")
    return Path(str(resources.files("kinsight.governance").joinpath("data", "templates", f"{name}.yaml")))


def read_document(path: Path | str) -> dict[str, Any]:
    """Read and validate an agreement YAML file; raise :class:`UnusableInput` naming the field."""
    return validate(_read_yaml(path), file=path)


def _read_yaml(path: Path | str) -> Any:
    path = Path(path)
    if not path.is_file():
        raise UnusableInput("agreement file not found", file=path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnusableInput(f"not a readable YAML document: {exc}", file=path) from None
    return document


def validate(document: Any, *, file: Path | str | None = None) -> dict[str, Any]:
    """Check a document against the schema and the vocabulary; return it unchanged if good."""
    if not isinstance(document, dict):
        raise UnusableInput("an agreement must be a YAML mapping of headings", file=file)
    # YAML reads unquoted dates as dates; the schema speaks ISO text.
    document = json.loads(json.dumps(document, default=_iso))
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.path) or "(top level)"
        raise UnusableInput(first.message, file=file, field=where)
    problems = list(_vocabulary_problems(document))
    if problems:
        field, message = problems[0]
        raise UnusableInput(message, file=file, field=field)
    return document


def _iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot represent {value!r}")


def _vocabulary_problems(doc: dict[str, Any]):
    """Yield (field, message) for everything the schema cannot see."""
    parties = {p["id"] for p in doc["parties"]}
    sources = {d["source"] for d in doc["datasets"]}
    purposes = set(doc["purpose"]["purposes"])
    for purpose in sorted(purposes - set(catalogue.purposes())):
        yield "purpose.purposes", f"unknown purpose {purpose!r}; known: {', '.join(catalogue.purposes())}"
    for i, dataset in enumerate(doc["datasets"]):
        for pattern in catalogue.unknown_patterns(dataset["fields"]):
            yield f"datasets.{i}.fields", f"{pattern!r} matches no field Kinsight holds"
        if dataset.get("provider") and dataset["provider"] not in parties:
            yield f"datasets.{i}.provider", f"provider {dataset['provider']!r} is not a party"
    rule_ids = [r["id"] for r in doc["rules"]]
    for i, rule in enumerate(doc["rules"]):
        where = f"rules.{i}"
        if rule_ids.count(rule["id"]) > 1:
            yield f"{where}.id", f"rule id {rule['id']!r} is repeated"
        for role in rule["roles"]:
            if role not in catalogue.roles():
                yield f"{where}.roles", f"unknown role {role!r}; known: {', '.join(catalogue.roles())}"
        for purpose in rule["purposes"]:
            if purpose not in purposes:
                yield f"{where}.purposes", f"purpose {purpose!r} is not one the agreement permits"
        for organisation in rule.get("organisations", []):
            if organisation not in parties:
                yield f"{where}.organisations", f"{organisation!r} is not a party to the agreement"
        for source in rule.get("datasets", []):
            if source not in sources:
                yield f"{where}.datasets", f"dataset {source!r} is not shared under the agreement"
        for pattern in catalogue.unknown_patterns(rule["fields"]):
            yield f"{where}.fields", f"{pattern!r} matches no field Kinsight holds"
    for i, signatory in enumerate(doc["signatories"]):
        if signatory["party"] not in parties:
            yield f"signatories.{i}.party", f"{signatory['party']!r} is not a party"
    dates = doc["dates"]
    if not dates["start"] <= dates["review"] <= dates["expiry"]:
        yield "dates", "dates must run start ≤ review ≤ expiry"


def digest(document: dict[str, Any]) -> str:
    """A fingerprint of the document's content, so a changed text needs a new version."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def load(document: Any, *, actor: str, file: Path | str | None = None) -> Agreement:
    """Store a validated document as a version; loading the same version again changes nothing.

    A version always enters as a ``draft``, whatever its ``status`` heading says:
    status changes are made only by :func:`transition`, so that each is audited.
    """
    document = validate(document, file=file)
    sha = digest(document)
    existing = Agreement.objects.filter(agreement_id=document["id"], version=document["version"]).first()
    if existing is not None:
        if existing.sha256 != sha:
            raise KinsightError(
                f"agreement {document['id']} version {document['version']} is already loaded with "
                "different content; give the changed agreement a new version number"
            )
        return existing
    dates = document["dates"]
    with transaction.atomic():
        agreement = Agreement.objects.create(
            agreement_id=document["id"],
            version=document["version"],
            title=document["title"],
            status="draft",
            start=date.fromisoformat(dates["start"]),
            review=date.fromisoformat(dates["review"]),
            expiry=date.fromisoformat(dates["expiry"]),
            document=document,
            sha256=sha,
        )
        audit.record(
            actor=actor, action="agreement.load", target=f"agreement:{agreement.agreement_id}",
            agreement=label(agreement), outcome="loaded", details={"sha256": sha},
        )
    return agreement


def load_file(path: Path | str, *, actor: str) -> Agreement:
    """Load an agreement YAML file (see :func:`load`)."""
    return load(_read_yaml(path), actor=actor, file=path)


def load_template(name: str, *, actor: str) -> Agreement:
    return load_file(template_path(name), actor=actor)


def get(agreement_id: str, version: int | None = None) -> Agreement:
    """A stored agreement: the given version, or the newest."""
    versions = Agreement.objects.filter(agreement_id=agreement_id)
    found = versions.filter(version=version).first() if version else versions.order_by("-version").first()
    if found is None:
        which = f" version {version}" if version else ""
        raise KinsightError(f"no agreement {agreement_id!r}{which} is loaded (kinsight agreements load)")
    return found


def transition(agreement_id: str, status: str, *, actor: str, version: int | None = None,
               reason: str = "", now: datetime | None = None) -> Agreement:
    """Move an agreement to a new status, if its life cycle allows; audited.

    Activating a version retires (expires) any other active version of the same
    agreement, so at most one version is ever in force.
    """
    now = now or timezone.now()
    with transaction.atomic():
        agreement = get(agreement_id, version)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if status not in TRANSITIONS[agreement.status]:
            raise KinsightError(
                f"agreement {agreement_id} v{agreement.version} is {agreement.status}; it cannot become "
                f"{status} (allowed: {', '.join(sorted(TRANSITIONS[agreement.status])) or 'none'})"
            )
        if status == "active" and agreement.expiry < now.date():
            raise KinsightError(f"agreement {agreement_id} expired on {agreement.expiry}; it cannot be activated")
        if status == "active":
            for other in Agreement.objects.filter(agreement_id=agreement_id, status__in=["active", "suspended"]).exclude(pk=agreement.pk):
                _set_status(other, "expired", actor=actor, reason=f"superseded by version {agreement.version}", now=now)
        _set_status(agreement, status, actor=actor, reason=reason, now=now)
    return agreement


def _set_status(agreement: Agreement, status: str, *, actor: str, reason: str, now: datetime) -> None:
    previous = agreement.status
    agreement.status = status
    agreement.status_changed_at = now
    agreement.save(update_fields=["status", "status_changed_at"])
    audit.record(
        actor=actor, action=f"agreement.{status}", target=f"agreement:{agreement.agreement_id}",
        agreement=label(agreement), outcome=status, at=now,
        details={"from": previous, "reason": reason},
    )


def expire_lapsed(*, now: datetime | None = None, actor: str = "kinsight") -> list[Agreement]:
    """Mark active or suspended agreements past their expiry date as expired; audited."""
    now = now or timezone.now()
    lapsed = list(Agreement.objects.filter(status__in=["active", "suspended"], expiry__lt=now.date()))
    for agreement in lapsed:
        transition(agreement.agreement_id, "expired", actor=actor, version=agreement.version,
                   reason="expiry date passed", now=now)
    return lapsed


def in_force(today: date) -> list[Agreement]:
    """The agreements that permit anything today: active, and between start and expiry."""
    return list(Agreement.objects.filter(status="active", start__lte=today, expiry__gte=today))


@dataclass(frozen=True)
class AgreementSummary:
    """What a list of agreements shows (the ICO's "central log of current agreements")."""

    agreement_id: str
    version: int
    title: str
    status: str
    start: date
    review: date
    expiry: date
    review_due: bool


def register(today: date) -> list[AgreementSummary]:
    """Every stored agreement version, newest first within each agreement."""
    return [
        AgreementSummary(a.agreement_id, a.version, a.title, a.status, a.start, a.review, a.expiry,
                         review_due=a.status == "active" and a.review <= today)
        for a in Agreement.objects.order_by("agreement_id", "-version")
    ]


def label(agreement: Agreement) -> str:
    """How an agreement version is named in the audit log and in decisions: ``id@vN``."""
    return f"{agreement.agreement_id}@v{agreement.version}"
