"""Family portal pages. The person is always the one the account belongs to, never one named in
the request, so there is no id to guess; the subject access service builds what is shown."""

from __future__ import annotations

from django.contrib import messages
from django.utils.text import capfirst
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kinsight.core.errors import KinsightError
from kinsight.governance import challenge, sar
from kinsight.web import deployment
from kinsight.web.access import actor, refuse, section_required


def _own_person_id(request: HttpRequest) -> str:
    return getattr(request.user, "account").person_id


def _pack(request: HttpRequest) -> dict:
    config = deployment.config()
    if config is None:
        raise KinsightError("no deployment is configured")
    who = actor(request)
    person_id = _own_person_id(request)
    return sar.subject_access(config, person_id, actor=who.user, role=who.role, requester_person_id=person_id)


@section_required("family", on_refusal=refuse)
def home(request: HttpRequest) -> HttpResponse:
    if not _own_person_id(request):
        return render(request, "family/not_connected.html")
    try:
        pack = _pack(request)
    except KinsightError as error:
        return render(request, "family/not_connected.html", {"message": str(error)})
    records = [(f"{r['source']}|{r['record_id']}", r["title"]) for r in pack["records"]]
    return render(request, "family/home.html", {"pack": pack, "record_choices": records})


@section_required("family", on_refusal=refuse)
@require_POST
def raise_challenge(request: HttpRequest) -> HttpResponse:
    person_id = _own_person_id(request)
    if not person_id:
        return redirect("family:home")
    # Only records the pack shows this person can be challenged: names come from their own pack.
    own = {f"{r['source']}|{r['record_id']}" for r in _pack(request)["records"]}
    record, other = request.POST.get("record", ""), request.POST.get("other_record", "")
    kind = request.POST.get("kind", "")
    if record not in own or (kind == "link" and other not in own):
        messages.error(request, "Choose the record you think is wrong")
        return redirect("family:home")
    source, record_id = record.split("|", 1)
    other_source, other_record_id = other.split("|", 1) if kind == "link" else ("", "")
    who = actor(request)
    try:
        raised = challenge.raise_challenge(
            person_id=person_id, kind=kind, raised_by="the person themselves", actor=who.user,
            statement=request.POST.get("statement", ""), source=source, record_id=record_id,
            other_source=other_source, other_record_id=other_record_id,
            field=request.POST.get("field", "").strip(), proposed_value=request.POST.get("proposed_value", "").strip(),
        )
    except KinsightError as error:
        messages.error(request, capfirst(str(error)))
        return redirect("family:home")
    messages.success(request, f"Thank you. Your challenge {raised.reference} has been sent to the data protection officer, who must answer it.")
    return redirect("family:home")
