"""Linkage pages: thin views over kinsight.linkage through ``service``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kinsight.core.errors import KinsightError
from kinsight.governance import audit
from kinsight.linkage import report as linkage_report
from kinsight.web.access import actor, section_required
from kinsight.web.downloads import attachment
from kinsight.web.linkage import service


@section_required("linkage")
def report(request: HttpRequest) -> HttpResponse:
    try:
        built = service.quality_report()
    except KinsightError as error:
        return render(request, "linkage/unavailable.html", {"message": str(error)})
    return render(request, "linkage/report.html", {"report": built})


@section_required("linkage")
def report_download(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ("json", "html"):
        return render(request, "pages/404.html", status=404)
    built = service.quality_report()
    if kind == "json":
        body, content_type = json.dumps(built, indent=2, default=str), "application/json"
    else:
        body, content_type = linkage_report.to_html(built), "text/html; charset=utf-8"
    return attachment(body, content_type, f"linkage-report.{kind}")


@section_required("linkage")
def review(request: HttpRequest) -> HttpResponse:
    try:
        comparisons, waiting = service.review_queue()
    except KinsightError as error:
        return render(request, "linkage/unavailable.html", {"message": str(error)})
    return render(request, "linkage/review.html", {"comparisons": comparisons, "waiting": waiting})


@section_required("linkage")
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    pair = tuple(request.POST.get(k, "") for k in ("source_l", "record_id_l", "source_r", "record_id_r"))
    decision, reason = request.POST.get("decision"), request.POST.get("reason", "").strip()
    if decision not in ("same", "different") or not all(pair):
        messages.error(request, "Choose whether the two records are the same child")
        return redirect("linkage:review")
    if not reason:
        messages.error(request, "Give a reason for your decision")
        return redirect("linkage:review")
    who = actor(request)
    try:
        changed = service.decide(pair, decision == "same", who.user, reason)
    except KinsightError as error:
        messages.error(request, str(error))
        return redirect("linkage:review")
    audit.record(actor=who.user, role=who.role, action="linkage.review", outcome=decision,
                 details={"pair": list(pair), "people_changed": changed})
    messages.success(request, f"Decision recorded: {'the same child' if decision == 'same' else 'different children'}.")
    return redirect("linkage:review")
