from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kinsight.core.errors import KinsightError
from kinsight.governance import catalogue as vocabulary
from kinsight.web.access import section_required
from kinsight.web.catalogue import service


@section_required("catalogue")
def index(request: HttpRequest) -> HttpResponse:
    try:
        entries = service.sources()
        objectives, missing, unused = service.demand()
    except KinsightError as error:
        return render(request, "insight/unavailable.html", {"message": str(error)})
    return render(request, "catalogue/index.html", {
        "sources": entries, "objectives": objectives, "missing": missing, "unused": unused,
        "roles": vocabulary.roles(), "purposes": vocabulary.purposes(),
    })
