"""Insight pages: thin views over kinsight.analysis and kinsight.outputs through ``service``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kinsight.analysis.periods import parse_period
from kinsight.core.errors import KinsightError
from kinsight.web.access import section_required
from kinsight.web.downloads import attachment
from kinsight.web.insight import charts, service


def _period(request: HttpRequest) -> str | None:
    """An optional ``?period=YYYY-MM..YYYY-MM`` (no personal data: periods only)."""
    wanted = request.GET.get("period")
    if not wanted:
        return None
    try:
        parse_period(wanted)
    except KinsightError:
        return None
    return wanted


@section_required("insight")
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        found, by_outcome = service.dashboard(_period(request))
    except KinsightError as error:
        return render(request, "insight/unavailable.html", {"message": str(error)})
    return render(request, "insight/dashboard.html", {"results": found, "by_outcome": by_outcome})


@section_required("insight")
def indicator(request: HttpRequest, indicator_id: str) -> HttpResponse:
    try:
        item = service.indicator(indicator_id)
        found, by_outcome = service.dashboard(_period(request))
    except KinsightError as error:
        raise Http404(str(error)) from None
    row = next((r for rows in by_outcome.values() for r in rows if r["indicator"].id == indicator_id), None)
    unit = item.unit_label or item.unit
    la_name = found.la.la_name if found.la else "This LA"
    trend = service.trend(found, indicator_id)
    funnel = service.ward_funnel(found, indicator_id)
    breakdowns = [
        {"key": name, "label": service.BREAKDOWN_LABELS.get(name, name),
         "rows": [{"level": r.level, "numerator": service.shown(r.numerator), "denominator": service.shown(r.denominator),
                   "value": service.shown(r.value)} for r in frame.itertuples()],
         "chart": charts.breakdown(frame, unit)}
        for name, frame in service.breakdowns(found, indicator_id).items() if name != "lsoa"
    ]
    return render(request, "insight/indicator.html", {
        "item": item, "row": row, "results": found, "unit": unit, "la_name": la_name,
        "comparison_chart": charts.comparison(la_name, row, unit) if row else None,
        "trend_rows": [{"year": int(r.time_period), "geography": r.geography, "value": service.shown(r.value)}
                       for r in trend.itertuples()],
        "trend_chart": charts.trend(trend, unit) if len(trend) else None,
        "breakdowns": breakdowns,
        "funnel_chart": funnel["figure"] if funnel else None,
        "funnel_rows": [{"ward": r["ward_name"] or r["ward_code"], "denominator": service.shown(r["denominator"]),
                         "observed": service.shown(r["observed"]), "outside": bool(r.get("outside_99.8%"))}
                        for r in funnel["table"].to_dict("records")] if funnel else [],
    })


@section_required("insight")
def download(request: HttpRequest, indicator_id: str, kind: str) -> HttpResponse:
    if kind not in ("csv", "xlsx"):
        raise Http404("no such format")
    try:
        found = service.results(_period(request))
        body, content_type = service.export(found, indicator_id, kind)
    except KinsightError as error:
        raise Http404(str(error)) from None
    return attachment(body, content_type, f"{indicator_id}.{kind}")


@section_required("insight")
def care_journeys(request: HttpRequest) -> HttpResponse:
    try:
        found = service.care_journeys(_period(request))
    except KinsightError as error:
        return render(request, "insight/unavailable.html", {"message": str(error)})
    labels = {node["id"]: node["label"] for node in found["nodes"]}
    return render(request, "insight/journeys.html", {
        "figure": found["figure"], "suppressed": found["suppressed_links"],
        "links": [{"from": labels[link["source"]], "to": labels[link["target"]], "children": link["children"]}
                  for link in found["links"]],
    })
