"""The JSON API: the same operations as the pages, over the same services.

Every endpoint needs a signed-in session (the middleware answers 401 otherwise) and the same
role as its page; refusals are JSON 403s, and person-level refusals are audited exactly as the
pages audit them. Person ids travel only in request bodies, never in URLs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from functools import cache, wraps
from importlib.resources import files

import yaml
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, challenge, policy, sar, sar_cases
from kinsight.governance.holdings import Holdings
from kinsight.governance.models import AuditEntry, BreakGlass, Challenge, SubjectAccessCase
from kinsight.web import deployment
from kinsight.web.access import actor, refuse, section_required
from kinsight.web.catalogue import service as catalogue
from kinsight.web.children import records
from kinsight.web.children.views import PURPOSES
from kinsight.web.insight import service as insight
from kinsight.web.linkage import service as linkage
from kinsight.web.navigation import sections_for, user_role
from kinsight.web.quality import runs
from kinsight.web.quality.forms import UploadForm
from kinsight.web.quality.models import ValidationRun


class _Encoder(DjangoJSONEncoder):
    def default(self, value):
        try:
            return super().default(value)
        except TypeError:
            return str(value)


def _json(body, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, encoder=_Encoder, safe=False)


def api(section: str | None = None, *, person_level: bool = False, methods: tuple[str, ...] = ("GET",)):
    """An API endpoint: method check, role check (audited for person-level data), JSON errors."""

    def decorate(view: Callable):
        @require_http_methods(list(methods))
        @wraps(view)
        def endpoint(request: HttpRequest, *args, **kwargs):
            try:
                if section is not None:
                    guarded = section_required(section, on_refusal=refuse if person_level else None)(view)
                    return guarded(request, *args, **kwargs)
                return view(request, *args, **kwargs)
            except PermissionDenied as denied:
                return _json({"error": str(denied) or "forbidden"}, 403)
            except KinsightError as error:
                return _json({"error": str(error)}, 400)

        return endpoint

    return decorate


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise KinsightError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise KinsightError("the request body must be a JSON object")
    return data


@cache
def schema() -> dict:
    return yaml.safe_load(files("kinsight.web.api").joinpath("openapi.yaml").read_text("utf-8"))


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return _json(schema())


@api()
def me(request: HttpRequest) -> JsonResponse:
    role = user_role(request)
    return _json({"username": request.user.get_username(), "role": role,
                  "sections": [section.key for section in sections_for(role)]})


# ----------------------------------------------------------------------------- insight


@api("insight")
def indicators(request: HttpRequest) -> JsonResponse:
    found, by_outcome = insight.dashboard(request.GET.get("period"))
    return _json({
        "period": found.period, "snapshot": found.snapshot_id,
        "outcomes": [{"outcome": outcome, "indicators": [{**{k: v for k, v in row.items() if k != "indicator"},
                                                          "id": row["indicator"].id, "title": row["indicator"].title}
                                                         for row in rows]}
                     for outcome, rows in by_outcome.items()],
    })


@api("insight")
def indicator(request: HttpRequest, indicator_id: str) -> JsonResponse:
    insight.indicator(indicator_id)
    found = insight.results(request.GET.get("period"))
    rows = found.protected[found.protected["indicator_id"] == indicator_id]
    return _json({"indicator_id": indicator_id, "period": found.period, "snapshot": found.snapshot_id,
                  "rows": [{k: insight.shown(v) if k in ("numerator", "denominator", "value", "gap") else v
                            for k, v in row.items()} for row in rows.to_dict("records")]})


# ----------------------------------------------------------------------------- children


@api("children", person_level=True, methods=("POST",))
def child_records(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    person_id, purpose = str(data.get("person_id", "")), str(data.get("purpose", ""))
    if purpose not in PURPOSES:
        raise KinsightError(f"purpose must be one of {', '.join(PURPOSES)}")
    con = deployment.snapshot()
    if not records.exists(con, person_id):
        refuse(request, person_id, "no such child")
        return _json({"error": "forbidden"}, 403)
    sources = records.child_view(con, actor(request), person_id, purpose)
    body = {"person_id": person_id, "purpose": purpose, "sources": [
        {"source": s.source, "allowed": s.allowed, "agreement": s.agreement, "break_glass": s.break_glass,
         "reasons": list(s.reasons), "withheld": list(s.withheld), "tables": s.tables} for s in sources]}
    return _json(body, 200 if any(s.allowed for s in sources) else 403)


# ----------------------------------------------------------------------------- linkage


@api("linkage")
def review_queue(request: HttpRequest) -> JsonResponse:
    comparisons, waiting = linkage.review_queue()
    return _json({"waiting": waiting, "pairs": [
        {"pair": list(c.item.pair), "match_weight": c.item.match_weight, "match_probability": c.item.match_probability,
         "fields": [{"field": f, "left": left, "right": right, "agrees": agrees} for f, left, right, agrees in c.rows]}
        for c in comparisons]})


@api("linkage", methods=("POST",))
def review_decision(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    pair, same, reason = data.get("pair") or [], data.get("same"), str(data.get("reason", "")).strip()
    if len(pair) != 4 or not isinstance(same, bool) or not reason:
        raise KinsightError("send pair (4 strings), same (true or false) and a reason")
    who = actor(request)
    changed = linkage.decide(tuple(str(p) for p in pair), same, who.user, reason)
    audit.record(actor=who.user, role=who.role, action="linkage.review", outcome="same" if same else "different",
                 details={"pair": pair, "people_changed": changed})
    return _json({"people_changed": changed}, 201)


# ----------------------------------------------------------------------------- quality

#: Findings per page unless the caller asks for fewer (or more, up to FINDINGS_PAGE_MAX).
FINDINGS_PAGE = 100
FINDINGS_PAGE_MAX = 1000


@api("quality", methods=("POST",))
def validations(request: HttpRequest) -> JsonResponse:
    """Validate an uploaded return (multipart: return_type, year, files, optionally previous and
    providers) with the quality page's service."""
    form = UploadForm(request.POST)
    if not form.is_valid():
        raise KinsightError("; ".join(m for messages in form.errors.values() for m in messages))
    run = runs.validate_upload(request.FILES.getlist("files"), form.cleaned_data["return_type"],
                               form.cleaned_data["year"], deployment.la() or "E00000000", actor(request).user,
                               previous=request.FILES.getlist("previous"),
                               providers=request.FILES.getlist("providers"))
    return _json({**_run_json(run), "findings": _findings_page(run, {})}, 201)


@api("quality")
def validation(request: HttpRequest, token: str) -> JsonResponse:
    return _json(_run_json(_validation_run(token)))


@api("quality")
def validation_findings(request: HttpRequest, token: str) -> JsonResponse:
    """A page of a run's findings, optionally for one rule or one child (by place in the child summary)."""
    return _json(_findings_page(_validation_run(token), request.GET))


def _validation_run(token: str) -> ValidationRun:
    run = ValidationRun.objects.filter(token=token).first()
    if run is None:
        raise KinsightError(f"no validation run {token}")
    return run


def _run_json(run: ValidationRun) -> dict:
    return {
        "token": run.token, "return_type": run.return_type, "year": run.year, "la": run.la,
        "uploaded_by": run.uploaded_by, "created_at": run.created_at, "headline": run.headline,
        "rules": runs.read_report(run, "error_summary.csv"),
        # Children are named by their place here (as in the pages), so a child id never goes in a URL.
        "children": [{"position": n, **row} for n, row in enumerate(runs.read_report(run, "child_summary.csv"), 1)],
    }


def _findings_page(run: ValidationRun, query) -> dict:
    page, size = _whole(query, "page", 1), _whole(query, "page_size", FINDINGS_PAGE)
    if size > FINDINGS_PAGE_MAX:
        raise KinsightError(f"page_size may be at most {FINDINGS_PAGE_MAX}")
    child = None
    if query.get("child"):
        children = runs.read_report(run, "child_summary.csv")
        position = _whole(query, "child", 1)
        if position > len(children):
            raise KinsightError(f"child must be a place in the child summary, 1 to {len(children)}")
        child = children[position - 1]["child_id"]
    rows = runs.findings(run, rule=query.get("rule") or None, child=child)
    start = (page - 1) * size
    return {"page": page, "page_size": size, "total": len(rows), "rows": rows[start:start + size]}


def _whole(query, name: str, default: int) -> int:
    text = query.get(name) or str(default)
    if not text.isdigit() or int(text) < 1:
        raise KinsightError(f"{name} must be a whole number from 1, not {text!r}")
    return int(text)


# ----------------------------------------------------------------------------- catalogue


@api("catalogue")
def data_catalogue(request: HttpRequest) -> JsonResponse:
    """Supply (every source: owner, purpose, fields, frequency, last load, quality, agreements,
    recipients) and demand (objectives, their measures and tables, and the gaps), as the page shows."""
    objectives, missing, unused = catalogue.demand()
    return _json({"sources": [asdict(entry) for entry in catalogue.sources()],
                  "objectives": [asdict(objective) for objective in objectives],
                  "missing": missing, "unused": unused})


# ----------------------------------------------------------------------------- governance


@api("governance")
def agreement_register(request: HttpRequest) -> JsonResponse:
    return _json([a.__dict__ for a in agreements.register(timezone.localdate())])


@api("governance", methods=("POST",))
def agreement_status(request: HttpRequest, agreement_id: str) -> JsonResponse:
    data = _body(request)
    changed = agreements.transition(agreement_id, str(data.get("status", "")), actor=actor(request).user,
                                    version=data.get("version"), reason=str(data.get("reason", "")))
    return _json({"agreement_id": changed.agreement_id, "version": changed.version, "status": changed.status})


@api("governance", methods=("POST",))
def audit_search(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    entries = AuditEntry.objects.order_by("-seq")
    for key in ("target", "actor", "action", "outcome"):
        if data.get(key):
            entries = entries.filter(**{key: str(data[key])})
    who = actor(request)
    audit.record(actor=who.user, role=who.role, purpose="subject_access", action="audit.search", outcome="shown",
                 details={k: str(v) for k, v in data.items() if v})
    return _json([audit.as_dict(e) for e in entries[:200]])


@api("governance", methods=("POST",))
def audit_verify(request: HttpRequest) -> JsonResponse:
    result = audit.verify()
    return _json({"intact": result.intact, "entries": result.entries, "broken_seq": result.broken_seq,
                  "description": result.describe()})


# ----------------------------------------------------------------------------- rights requests


@api("governance", person_level=True, methods=("GET", "POST"))
def subject_access_cases(request: HttpRequest) -> JsonResponse:
    """GET: every subject access case, soonest deadline first. POST: open a case."""
    if request.method == "GET":
        return _json([asdict(c) for c in sar_cases.cases(timezone.localdate())])
    data = _body(request)
    holdings = Holdings(_config())
    try:
        person_id = holdings.resolve(str(data.get("person_ref", "")))
    finally:
        holdings.close()
    case = sar_cases.open_case(person_id=person_id, requester=str(data.get("requester", "")).strip() or "the person",
                               received_on=_day(data.get("received_on")), actor=actor(request).user)
    return _json(asdict(sar_cases.status_of(case, timezone.localdate())), 201)


#: What the DPO may do to an open case; each is audited by the case service.
CASE_ACTIONS = {
    "pause": lambda ref, data, who, today: sar_cases.pause(ref, reason=str(data.get("reason", "")), on=today, actor=who),
    "resume": lambda ref, data, who, today: sar_cases.resume(ref, on=today, actor=who),
    "extend": lambda ref, data, who, today: sar_cases.extend(ref, reason=str(data.get("reason", "")), actor=who),
    "complete": lambda ref, data, who, today: sar_cases.complete(ref, on=today, actor=who),
}


@api("governance", person_level=True, methods=("POST",))
def subject_access_action(request: HttpRequest, reference: str) -> JsonResponse:
    data = _body(request)
    act = CASE_ACTIONS.get(str(data.get("action", "")))
    if act is None:
        raise KinsightError(f"action must be one of {', '.join(CASE_ACTIONS)}")
    today = timezone.localdate()
    case = act(reference, data, actor(request).user, today)
    return _json(asdict(sar_cases.status_of(case, today)))


@api("governance", person_level=True, methods=("POST",))
def subject_access_pack(request: HttpRequest, reference: str) -> JsonResponse:
    """The JSON subject access pack for a case (the pack service audits it)."""
    case = SubjectAccessCase.objects.filter(reference=reference).first()
    if case is None:
        raise KinsightError(f"no subject access case {reference}")
    who = actor(request)
    return _json(sar.subject_access(_config(), case.person_id, actor=who.user, role=who.role))


def _config():
    config = deployment.config()
    if config is None:
        raise KinsightError("no deployment is configured")
    return config


def _day(value) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise KinsightError(f"received_on {value!r} is not a date: send it like 2026-11-21") from None


def _challenge_json(found: Challenge) -> dict:
    return {field: getattr(found, field) for field in (
        "reference", "person_id", "kind", "raised_by", "statement", "source", "record_id", "other_source",
        "other_record_id", "field", "proposed_value", "status", "raised_at", "resolved_by", "resolved_at",
        "resolution")}


@api("governance", person_level=True)
def open_challenges(request: HttpRequest) -> JsonResponse:
    found = challenge.open_challenges()
    _audit_shown(request, "challenge.list", "subject_access", {c.person_id for c in found})
    return _json([_challenge_json(c) for c in found])


def _audit_shown(request: HttpRequest, action: str, purpose: str, person_ids: set[str]) -> None:
    """A list naming people is a person-level read: one entry per person, so each one's trail shows it."""
    who = actor(request)
    for person_id in sorted(person_ids):
        audit.record(actor=who.user, role=who.role, purpose=purpose, action=action, target=person_id, outcome="shown")


@api("governance", person_level=True, methods=("POST",))
def challenge_decision(request: HttpRequest, reference: str) -> JsonResponse:
    """Unlink, rectify or reject a challenge, with reasons (audited by the challenge service)."""
    data, who = _body(request), actor(request)
    config = deployment.config()
    decided = challenge.resolve(
        reference, decision=str(data.get("decision", "")), resolver=who.user, resolver_role=who.role,
        reason=str(data.get("reason", "")), corrected_value=data.get("corrected_value") or None,
        warehouse=config.warehouse if config else None,
    )
    return _json(_challenge_json(decided))


def _break_glass_json(use: BreakGlass) -> dict:
    return {field: getattr(use, field) for field in (
        "id", "user", "role", "organisation", "person_id", "reason", "granted_at", "expires_at", "review_outcome",
        "reviewed_by", "reviewed_at", "review_note")}


@api("governance", person_level=True)
def break_glass_queue(request: HttpRequest) -> JsonResponse:
    pending = policy.review_queue()
    _audit_shown(request, "break_glass.list", "safeguarding", {use.person_id for use in pending})
    return _json([_break_glass_json(use) for use in pending])


@api("governance", person_level=True, methods=("POST",))
def break_glass_review(request: HttpRequest, use_id: int) -> JsonResponse:
    data, who = _body(request), actor(request)
    justified = data.get("justified")
    if not isinstance(justified, bool):
        raise KinsightError("send justified (true or false) and, if you like, a note")
    reviewed = policy.review_break_glass(use_id, reviewer=who.user, reviewer_role=who.role, justified=justified,
                                         note=str(data.get("note", "")))
    return _json(_break_glass_json(reviewed))


# ----------------------------------------------------------------------------- family


def _own_pack(request: HttpRequest) -> dict:
    person_id = request.user.account.person_id
    config = deployment.config()
    if not person_id or config is None:
        raise KinsightError("this account is not connected to any records")
    who = actor(request)
    return sar.subject_access(config, person_id, actor=who.user, role=who.role, requester_person_id=person_id)


@api("family", person_level=True)
def own_records(request: HttpRequest) -> JsonResponse:
    return _json(_own_pack(request))


@api("family", person_level=True, methods=("POST",))
def own_challenge(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    own = {(r["source"], r["record_id"]) for r in _own_pack(request)["records"]}
    record = (str(data.get("source", "")), str(data.get("record_id", "")))
    other = (str(data.get("other_source", "")), str(data.get("other_record_id", "")))
    if record not in own or (data.get("kind") == "link" and other not in own):
        return _json({"error": "you can only challenge your own records"}, 403)
    raised = challenge.raise_challenge(
        person_id=request.user.account.person_id, kind=str(data.get("kind", "")), raised_by="the person themselves",
        statement=str(data.get("statement", "")), source=record[0], record_id=record[1],
        other_source=other[0], other_record_id=other[1], field=str(data.get("field", "")),
        proposed_value=str(data.get("proposed_value", "")), actor=actor(request).user,
    )
    return _json({"reference": raised.reference, "status": raised.status}, 201)
