"""Quality pages: thin views over kinsight.quality through ``runs``."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.web import deployment
from kinsight.web.access import actor, section_required
from kinsight.web.quality import runs
from kinsight.web.quality.forms import UploadForm
from kinsight.web.quality.models import ValidationRun


def _run(token: str) -> ValidationRun:
    return get_object_or_404(ValidationRun, token=token)


@section_required("quality")
def index(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, initial={"year": timezone.localdate().year})
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                run = runs.validate_upload(
                    request.FILES.getlist("files"), form.cleaned_data["return_type"],
                    form.cleaned_data["year"], deployment.la() or "E00000000", actor(request).user,
                    previous=request.FILES.getlist("previous"), providers=request.FILES.getlist("providers"),
                )
                return redirect("quality:run", token=run.token)
            except KinsightError as error:
                errors.append(("files", str(error)))
        errors += [(name, message) for name, messages in form.errors.items() for message in messages]
    return render(request, "quality/index.html", {
        "form": form, "errors": errors, "runs": ValidationRun.objects.all()[:20],
        "return_types": runs.RETURN_TYPES, "pipeline": deployment.validation_headlines(),
    }, status=400 if errors else 200)


@section_required("quality")
def run(request: HttpRequest, token: str) -> HttpResponse:
    validation = _run(token)
    return render(request, "quality/run.html", {
        "run": validation, "return_name": runs.RETURN_TYPES[validation.return_type],
        "rules": runs.read_report(validation, "error_summary.csv"),
        "children": runs.read_report(validation, "child_summary.csv")[:200],
        "skipped": runs.skipped_rules(validation),
        "downloads": list(runs.DOWNLOADS),
    })


@section_required("quality")
def rule(request: HttpRequest, token: str, code: str) -> HttpResponse:
    validation = _run(token)
    rows = runs.findings(validation, rule=code)
    if not rows:
        raise Http404("no findings for that rule")
    return render(request, "quality/rule.html", {"run": validation, "code": code, "rows": rows[:500], "total": len(rows)})


@section_required("quality")
def child(request: HttpRequest, token: str, position: int) -> HttpResponse:
    """One child's failing rows. Children are reached by their place in the child summary,
    so the LA's child id never appears in a URL."""
    validation = _run(token)
    children = runs.read_report(validation, "child_summary.csv")
    if not 1 <= position <= len(children):
        raise Http404("no such child in this run")
    summary = children[position - 1]
    return render(request, "quality/child.html", {
        "run": validation, "summary": summary, "rows": runs.child_rows(validation, summary["child_id"]),
    })


@section_required("quality")
def download(request: HttpRequest, token: str, name: str) -> FileResponse:
    validation = _run(token)
    if name not in runs.DOWNLOADS:
        raise Http404("no such report")
    path = runs.folder(validation) / "reports" / name
    response = FileResponse(open(path, "rb"), content_type=runs.DOWNLOADS[name], as_attachment=True,
                            filename=f"{validation.return_type}-{validation.year}-{name}")
    return response
