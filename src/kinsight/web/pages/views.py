from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from kinsight.web import content
from kinsight.web.navigation import sections_for, user_role
from kinsight.web.roles import roles


def home(request: HttpRequest) -> HttpResponse:
    role = user_role(request)
    return render(
        request,
        "pages/home.html",
        {"role": roles()[role] if role else None, "sections": sections_for(role)},
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pages/content.html",
        {"title": "Accessibility statement", "body": mark_safe(content.page("accessibility-statement"))},
    )


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "pages/403.html", status=403)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "pages/404.html", status=404)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "pages/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/500.html", status=500)
