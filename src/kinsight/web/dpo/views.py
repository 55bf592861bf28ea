"""The data protection officer's pages. Thin: every change goes through kinsight.governance."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.utils.text import capfirst
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, challenge, policy, sar, sar_cases
from kinsight.governance.holdings import Holdings
from kinsight.governance.models import AuditEntry, SubjectAccessCase, SubjectAccessPause
from kinsight.web import deployment
from kinsight.web.access import actor, section_required
from kinsight.web.downloads import attachment
from kinsight.web.dpo.forms import AuditSearchForm, ReviewForm, TemplateForm, TransitionForm

#: The most audit entries one search shows (newest first); narrow the search for more.
AUDIT_PAGE = 200


@section_required("governance")
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "dpo/index.html", {
        "register": agreements.register(today),
        "break_glass": policy.review_queue(),
        "template_form": TemplateForm(),
    })


@section_required("governance")
@require_POST
def create_from_template(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Select a template")
        return redirect("dpo:index")
    try:
        agreement = agreements.load_template(form.cleaned_data["template"], actor=actor(request).user)
    except KinsightError as error:
        messages.error(request, str(error))
        return redirect("dpo:index")
    messages.success(request, f"Draft agreement {agreement.agreement_id} version {agreement.version} created.")
    return redirect("dpo:agreement", agreement_id=agreement.agreement_id)


@section_required("governance")
def agreement(request: HttpRequest, agreement_id: str) -> HttpResponse:
    try:
        current = agreements.get(agreement_id)
    except KinsightError as error:
        return render(request, "pages/404.html", {"message": str(error)}, status=404)
    return render(request, "dpo/agreement.html", {
        "agreement": current,
        "document": current.document,
        "allowed": sorted(agreements.TRANSITIONS[current.status]),
        "history": AuditEntry.objects.filter(target=f"agreement:{agreement_id}").order_by("-seq")[:50],
    })


@section_required("governance")
@require_POST
def transition(request: HttpRequest, agreement_id: str) -> HttpResponse:
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            agreements.transition(agreement_id, data["status"], actor=actor(request).user,
                                  version=data["version"], reason=data["reason"])
            messages.success(request, f"Agreement {agreement_id} is now {data['status']}.")
        except KinsightError as error:
            messages.error(request, str(error))
    return redirect("dpo:agreement", agreement_id=agreement_id)


@section_required("governance")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.POST or None)
    entries = AuditEntry.objects.order_by("-seq")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        for field in ("target", "actor", "action", "outcome"):
            if data[field]:
                entries = entries.filter(**{field: data[field].strip()})
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
        # Searching the log is itself a use of it; the terms are details, not a target.
        who = actor(request)
        audit.record(actor=who.user, role=who.role, purpose="subject_access", action="audit.search",
                     outcome="shown", details={k: str(v) for k, v in data.items() if v})
    return render(request, "dpo/audit.html", {
        "form": form, "entries": entries[:AUDIT_PAGE], "page_size": AUDIT_PAGE,
        "verification": request.session.pop("audit_verification", None),
    }, status=400 if form.errors else 200)


@section_required("governance")
@require_POST
def verify_chain(request: HttpRequest) -> HttpResponse:
    result = audit.verify()
    request.session["audit_verification"] = {"intact": result.intact, "text": result.describe()}
    return redirect("dpo:audit")


@section_required("governance")
@require_POST
def review_break_glass(request: HttpRequest, use_id: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the access was justified")
        return redirect("dpo:index")
    who = actor(request)
    try:
        policy.review_break_glass(use_id, reviewer=who.user, reviewer_role=who.role,
                                  justified=form.cleaned_data["justified"], note=form.cleaned_data["note"])
        messages.success(request, "Break-glass review recorded.")
    except KinsightError as error:
        messages.error(request, str(error))
    return redirect("dpo:index")


# ----------------------------------------------------------------------------- rights requests


@section_required("governance")
def cases(request: HttpRequest) -> HttpResponse:
    return render(request, "dpo/cases.html", {
        "cases": sar_cases.cases(timezone.localdate()),
        "challenges": challenge.open_challenges(),
        "today": timezone.localdate(),
        "pause_reasons": SubjectAccessPause.REASONS,
    })


@section_required("governance")
@require_POST
def open_case(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    config = deployment.config()
    try:
        if config is None:
            raise KinsightError("no deployment is configured")
        holdings = Holdings(config)
        try:
            person_id = holdings.resolve(request.POST.get("person_ref", ""))
        finally:
            holdings.close()
        received = _date(request.POST.get("received_on", ""))
        case = sar_cases.open_case(person_id=person_id, requester=request.POST.get("requester", "").strip() or "the person",
                                   received_on=received, actor=who.user)
        messages.success(request, f"Subject access request {case.reference} opened.")
    except KinsightError as error:
        messages.error(request, capfirst(str(error)))
    return redirect("dpo:cases")


def _date(text: str):
    try:
        return date.fromisoformat(text.strip()) if text.strip() else timezone.localdate()
    except ValueError:
        raise KinsightError(f"{text!r} is not a date: enter it like 2026-11-21") from None


@section_required("governance")
@require_POST
def case_action(request: HttpRequest, reference: str) -> HttpResponse:
    """Pause, resume, extend or complete a request; each audited by the case service."""
    who, action = actor(request), request.POST.get("action", "")
    today = timezone.localdate()
    try:
        if action == "pause":
            sar_cases.pause(reference, reason=request.POST.get("reason", ""), on=today, actor=who.user)
        elif action == "resume":
            sar_cases.resume(reference, on=today, actor=who.user)
        elif action == "extend":
            sar_cases.extend(reference, reason=request.POST.get("reason", ""), actor=who.user)
        elif action == "complete":
            sar_cases.complete(reference, on=today, actor=who.user)
        else:
            raise KinsightError("choose what to do with the request")
        messages.success(request, f"{reference}: {action} recorded.")
    except KinsightError as error:
        messages.error(request, capfirst(str(error)))
    return redirect("dpo:cases")


@section_required("governance")
@require_POST
def case_pack(request: HttpRequest, reference: str) -> HttpResponse:
    """The subject access pack for a request, as the page the person will be sent (audited)."""
    case = SubjectAccessCase.objects.filter(reference=reference).first()
    config = deployment.config()
    if case is None or config is None:
        return render(request, "pages/404.html", status=404)
    who = actor(request)
    pack = sar.subject_access(config, case.person_id, actor=who.user, role=who.role)
    return attachment(sar.render_html(pack), "text/html; charset=utf-8", f"{reference}.html")


@section_required("governance")
@require_POST
def resolve_challenge(request: HttpRequest, reference: str) -> HttpResponse:
    who = actor(request)
    config = deployment.config()
    try:
        challenge.resolve(
            reference, decision=request.POST.get("decision", ""), resolver=who.user, resolver_role=who.role,
            reason=request.POST.get("reason", ""), corrected_value=request.POST.get("corrected_value") or None,
            warehouse=config.warehouse if config else None,
        )
        messages.success(request, f"Challenge {reference} decided.")
    except KinsightError as error:
        messages.error(request, capfirst(str(error)))
    return redirect("dpo:cases")
