"""Subject access: everything held about a child, where it came from, who used it and why.

:func:`subject_access` builds the pack (UK GDPR Art 15): every source record held
with its data and origin, the purposes and lawful basis, the recipients (from the
audit log), retention, every link the child index made and why in plain English,
challenges and corrections, a notice about automated processing, and the
person's rights. :func:`write_pack` writes ``sar.json`` for machines and
``sar.html`` for the person: plain English, accessible, one self-contained file.

Other people's data is redacted: pointers to other people (siblings, parents,
households) and other people's names in free text, unless the requester is that
person. The pack is itself a person-level read and is audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml
from django.utils import timezone

from kinsight.core.config import ProjectConfig
from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, catalogue, retention
from kinsight.governance.holdings import HeldRecord, Holdings
from kinsight.governance.models import Challenge, Rectification

WITHHELD = "[withheld: about someone else]"

#: Person attributes that explain a link, strongest first, in plain words.
_EVIDENCE = {
    "nhs_number": "NHS number", "upn": "unique pupil number", "uln": "unique learner number",
    "other_id": "council reference number", "dob": "date of birth", "surname": "surname",
    "forename": "first name", "postcode": "postcode",
}


#: Warehouse identifier kinds (docs/contracts.md §5) → the person attribute they are.
_IDENTIFIER_KINDS = {"nhs_number": "nhs_number", "upn": "upn", "uln": "uln", "la_child_id": "other_id"}


@cache
def wording() -> dict[str, Any]:
    """The plain-English words of a pack (``data/subject_access.yaml``)."""
    text = resources.files("kinsight.governance").joinpath("data", "subject_access.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class PackFiles:
    json: Path
    html: Path


def subject_access(config: ProjectConfig, person_ref: str, *, actor: str, role: str = "dpo",
                   requester_person_id: str | None = None, now: datetime | None = None,
                   holdings: Holdings | None = None) -> dict[str, Any]:
    """Build the subject access pack for the person a reference names (audited)."""
    now = now or timezone.now()
    own = holdings is None
    holdings = holdings or Holdings(config)
    try:
        person_id = holdings.resolve(person_ref)
        records = holdings.records(person_id)
        names = holdings.names_in_files()
        scores = holdings.link_scores(records)
    finally:
        if own:
            holdings.close()
    own_names = {str(v).strip().lower() for r in records for v in _attributes(config, r).values() if v}
    redactor = _Redactor({n for n in names if n.lower() not in own_names}, requester_person_id)
    fixes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for fix in Rectification.objects.filter(challenge__person_id=person_id).select_related("challenge"):
        fixes.setdefault((fix.source, fix.record_id), []).append(
            {"field": fix.field, "corrected_value": fix.value, "challenge": fix.challenge.reference})
    pack = {
        "kind": "kinsight-subject-access-pack",
        "generated_at": now.isoformat(timespec="seconds"),
        "local_authority": config.la,
        "snapshot": holdings.snapshot_id,
        "requested_as": person_ref,
        "subject": {"person_id": person_id},
        "records": [_record(config, r, redactor, fixes.get((r.source, r.record_id), [])) for r in records],
        "links": _links(config, records, scores),
        "purposes": _purposes(config, records),
        "recipients": _recipients(person_id),
        "retention": _retention(config, records),
        "challenges": _challenges(person_id),
        "automated_processing": wording()["automated_processing"],
        "rights": wording()["rights"],
        "redactions": redactor.summary(),
    }
    audit.record(actor=actor, role=role, purpose="subject_access", action="sar.pack", target=person_id,
                 outcome="produced", at=now,
                 details={"records": len(records), "snapshot": holdings.snapshot_id,
                          "redactions": sum(r["count"] for r in pack["redactions"])})
    return pack


def write_pack(pack: dict[str, Any], out: Path | str) -> PackFiles:
    """Write ``sar.json`` and ``sar.html`` into a folder, each whole or not at all."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = PackFiles(out / "sar.json", out / "sar.html")
    _write(files.json, json.dumps(pack, indent=2, ensure_ascii=False, default=str) + "\n")
    _write(files.html, render_html(pack))
    return files


def render_html(pack: dict[str, Any]) -> str:
    """The pack as one self-contained, accessible page written for the person."""
    template = _templates().get_template("sar.html.j2")
    return template.render(pack=pack, titles={k: v["title"] for k, v in wording()["sources"].items()},
                           redaction_note=wording()["redaction_note"])


@cache
def _templates() -> jinja2.Environment:
    folder = Path(str(resources.files("kinsight.governance").joinpath("data")))
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    # Column names as a person reads them: NOTE_TEXT → "Note text", sessions_possible → "Sessions possible".
    environment.filters["humanise"] = lambda name: str(name).replace("_", " ").strip().capitalize()
    return environment


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ----------------------------------------------------------------------------- the parts


class _Redactor:
    """Hides other people in a pack, counting what it hid and why.

    Names are matched as whole words, as written (capitalised), by set lookup: a
    large LA has tens of thousands of names, far too many for one pattern."""

    _WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")

    def __init__(self, other_names: set[str], requester_person_id: str | None):
        self._names = {n for n in other_names if len(n) > 1}
        self._requester = requester_person_id
        self._counts: dict[str, int] = {}

    def value(self, table: str, column: str, value: Any) -> Any:
        kind = catalogue.field_class(f"{table}.{column}")
        if kind == "third_party" and value is not None and value != self._requester:
            return self._hit("a reference to another person or household")
        if isinstance(value, str) and self._names:
            return self._WORD.sub(self._name_or_word, value)
        return value

    def _name_or_word(self, match: re.Match) -> str:
        word = match.group()
        if word in self._names or word.rstrip("'s") in self._names:
            return self._hit("another person's name in written text")
        return word

    def _hit(self, why: str) -> str:
        self._counts[why] = self._counts.get(why, 0) + 1
        return WITHHELD

    def summary(self) -> list[dict[str, Any]]:
        return [{"why": why, "count": n} for why, n in sorted(self._counts.items())]


def _record(config: ProjectConfig, record: HeldRecord, redactor: _Redactor,
            rectifications: list[dict[str, Any]]) -> dict[str, Any]:
    source = _source_words(record.source)
    return {
        "source": record.source,
        "record_id": record.record_id,
        "title": source["title"],
        "came_from": source["from"],
        "file": Path(record.file).name if record.file else None,
        "row_number": record.row_number,
        "agreement": _agreement_of(config, record.source),
        "data": {k: redactor.value("source_row", k, _plain(v)) for k, v in record.data.items()},
        "facts": {
            table: [{k: redactor.value(table, k, _plain(v)) for k, v in row.items()
                     if k not in ("person_id", "source", "record_id", "file", "row_number", "load_id")}
                    for row in rows]
            for table, rows in sorted(record.facts.items())
        },
        "rectifications": rectifications,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _source_words(source: str) -> dict[str, str]:
    return wording()["sources"].get(source, {"title": source.replace("_", " ").capitalize(),
                                             "from": f"the {source.replace('_', ' ')} records"})


def _agreement_of(config: ProjectConfig, source: str) -> str | None:
    try:
        return config.source(source).agreement
    except KinsightError:
        return None


def _attributes(config: ProjectConfig, record: HeldRecord) -> dict[str, str]:
    """The standard person attributes of a record, normalised for comparison."""
    found: dict[str, str] = {}
    try:
        columns = config.source(record.source).columns
    except KinsightError:
        columns = {}
    for attribute, column in columns.items():
        value = record.data.get(column)
        if value not in (None, ""):
            found[attribute] = _normal(attribute, str(value))
    # Returns (903, CIN, Annex A) have no single row as sent: their identifiers are in the warehouse.
    for row in record.facts.get("identifiers", []):
        attribute = _IDENTIFIER_KINDS.get(row.get("kind"))
        if attribute and row.get("value"):
            found.setdefault(attribute, _normal(attribute, str(row["value"])))
    return found


def _normal(attribute: str, value: str) -> str:
    value = value.strip().lower()
    if attribute == "dob":
        match = re.match(r"^(\d{2})[/.-](\d{2})[/.-](\d{4})", value)
        return f"{match[3]}-{match[2]}-{match[1]}" if match else value[:10]
    return re.sub(r"\s+", "", value) if attribute in ("nhs_number", "postcode", "upn", "uln") else value


def _links(config: ProjectConfig, records: list[HeldRecord],
           scores: dict[frozenset, float] | None = None) -> list[dict[str, Any]]:
    """Why the records were joined, in plain English: one explanation per record but the first.

    The explanations form a spanning tree: each step joins the record that shares
    the strongest details with one already explained, the way a person is built
    up from their clearest matches first."""
    attributes = {id(r): _attributes(config, r) for r in records}

    def agreeing(a: HeldRecord, b: HeldRecord) -> list[str]:
        left, right = attributes[id(a)], attributes[id(b)]
        return [k for k in _EVIDENCE if k in left and left[k] == right.get(k)
                and (k != "other_id" or _namespace(config, a) == _namespace(config, b))]

    def strength(evidence: list[str]) -> list[bool]:
        return [k in evidence for k in _EVIDENCE]

    if not records:
        return []
    joined, waiting = [max(records, key=lambda r: len(attributes[id(r)]))], list(records)
    waiting.remove(joined[0])
    explained: list[dict[str, Any]] = []
    while waiting:
        record, other, evidence = max(
            ((r, o, agreeing(r, o)) for r in waiting for o in joined), key=lambda t: strength(t[2]))
        score = (scores or {}).get(frozenset({(record.source, record.record_id), (other.source, other.record_id)}))
        explained.append({
            "record": {"source": record.source, "record_id": record.record_id},
            "linked_to": {"source": other.source, "record_id": other.record_id},
            "agreeing": evidence,
            "match_probability": score,
            "explanation": _explain(record, other, evidence, score),
        })
        joined.append(record)
        waiting.remove(record)
    return explained


def _namespace(config: ProjectConfig, record: HeldRecord) -> Any:
    try:
        return config.source(record.source).options.get("id_namespace")
    except KinsightError:
        return None


def _explain(record: HeldRecord, other: HeldRecord, agreeing: list[str], score: float | None = None) -> str:
    this, that = _in_sentence(record.source), _in_sentence(other.source)
    if score is None:
        sure = ""
    elif score >= 0.999:
        sure = " The computer was almost certain that they are about the same person."
    else:
        sure = f" The computer worked out a {score:.0%} chance that they are about the same person."
    if not agreeing:
        return (f"Your {this} record was joined to your {that} record by the linkage program, which "
                "judged from partly matching details (for example a name spelt differently) that they are "
                f"about the same person.{sure}")
    words = [_EVIDENCE[a] for a in agreeing]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Your {this} record was joined to your {that} record because both have the same {listed}.{sure}"


def _in_sentence(source: str) -> str:
    """A source's title as it reads inside "your … record": "school census", "Ofsted inspection list"."""
    title = _source_words(source)["title"].removesuffix(" record")
    return title if title.split()[0].istitle() and title.split()[0] in {"Ofsted"} else title[0].lower() + title[1:]


def _purposes(config: ProjectConfig, records: list[HeldRecord]) -> list[dict[str, Any]]:
    used: list[dict[str, Any]] = []
    for agreement_id in sorted({a for r in records if (a := _agreement_of(config, r.source))}):
        try:
            document = agreements.get(agreement_id).document
        except KinsightError:
            used.append({"agreement": agreement_id, "title": agreement_id, "purposes": [],
                         "why": "The agreement covering this information is not on record here; ask the council."})
            continue
        used.append({
            "agreement": agreement_id,
            "title": document["title"],
            "why": document["purpose"]["description"],
            "purposes": [catalogue.purposes()[p].title for p in document["purpose"]["purposes"]],
            "lawful_basis": document["lawful_basis"]["article_6"],
            "special_category_condition": document["lawful_basis"].get("article_9"),
            "law_that_allows_sharing": document["lawful_basis"]["statutory_gateways"],
            "organisations": [p["organisation"] for p in document["parties"]],
        })
    return used


def _recipients(person_id: str) -> list[dict[str, Any]]:
    """Who used the person's records, from the audit log (staff are named: they act in role)."""
    return [
        {"when": e.at.isoformat(timespec="seconds"), "who": e.actor, "role": _role_title(e.role),
         "purpose": _purpose_title(e.purpose), "what": e.action, "outcome": e.outcome,
         "agreement": e.agreement}
        for e in audit.entries_about(person_id)
    ]


def _role_title(role: str) -> str:
    return catalogue.roles()[role].title if role in catalogue.roles() else role


def _purpose_title(purpose: str) -> str:
    return catalogue.purposes()[purpose].title if purpose in catalogue.purposes() else purpose


def _retention(config: ProjectConfig, records: list[HeldRecord]) -> list[dict[str, Any]]:
    kept = []
    for source in sorted({r.source for r in records}):
        rule = retention.rule_for(config, source)
        kept.append({"source": source, "title": _source_words(source)["title"],
                     "agreement": rule.agreement_id if rule else None,
                     "how_long": rule.describe() if rule else "no retention rule is set: ask the council"})
    return kept


def _challenges(person_id: str) -> list[dict[str, Any]]:
    return [
        {"reference": c.reference, "kind": c.kind, "raised": c.raised_at.date().isoformat(),
         "status": c.status, "resolution": c.resolution}
        for c in Challenge.objects.filter(person_id=person_id).order_by("raised_at")
    ]
