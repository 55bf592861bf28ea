"""Sign in, sign out, single sign-on, and the administrator's user list."""

from __future__ import annotations

import logging

from authlib.integrations.base_client.errors import OAuthError
from joserfc.errors import JoseError
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kinsight.web.access import section_required
from kinsight.web.accounts import lockout, oidc
from kinsight.web.accounts.forms import NewAccountForm, RoleForm, SignInForm
from kinsight.web.accounts.models import Account
from kinsight.web.roles import roles

log = logging.getLogger(__name__)

LOCKED_MESSAGE = "Too many failed attempts. Wait 15 minutes, then try again, or ask an administrator."
FAILED_MESSAGE = "Enter a correct username and password"


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("pages:home")


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    # (field id, message) pairs for the error summary; the messages name no account.
    errors: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if lockout.is_locked(username):
            errors.append(("username", LOCKED_MESSAGE))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                lockout.record_failure(username)
                # Log the event, not the username typed: it may be someone's name.
                log.info("local sign-in failed")
                errors.append(("username", LOCKED_MESSAGE if lockout.is_locked(username) else FAILED_MESSAGE))
            else:
                lockout.clear(username)
                login(request, user)
                return redirect(_next_url(request))
    elif request.method == "POST":
        errors.extend((name, error) for name, field_errors in form.errors.items() for error in field_errors)
    sso = oidc.configured()
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "errors": errors, "sso": sso, "next": _next_url(request)},
        status=400 if errors else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:sign-in")


def sso_start(request: HttpRequest) -> HttpResponse:
    settings_ = oidc.configured()
    if settings_ is None:
        return redirect("accounts:sign-in")
    redirect_uri = request.build_absolute_uri(reverse("accounts:sso-callback"))
    try:
        return oidc.client(settings_).authorize_redirect(request, redirect_uri)
    except (OAuthError, OSError, ValueError):
        log.warning("single sign-on: the identity provider could not be reached")
        return _sso_failed(request, "The sign-in service could not be reached. Try again later.")


def sso_callback(request: HttpRequest) -> HttpResponse:
    settings_ = oidc.configured()
    if settings_ is None:
        return redirect("accounts:sign-in")
    try:
        token = oidc.client(settings_).authorize_access_token(request)
    except (OAuthError, JoseError, OSError, ValueError) as error:
        log.warning("single sign-on refused: %s", type(error).__name__)
        return _sso_failed(request, "Single sign-on did not complete. Try again.")
    account = oidc.account_for(token["userinfo"], settings_)
    login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("pages:home")


def _sso_failed(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request,
        "accounts/sign_in.html",
        {"form": SignInForm(), "errors": [("username", message)], "sso": oidc.configured(), "next": ""},
        status=400,
    )


@section_required("users")
def users(request: HttpRequest) -> HttpResponse:
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if get_user_model().objects.filter(username=data["username"]).exists():
            form.add_error("username", "That username is already in use")
        else:
            with transaction.atomic():
                user = get_user_model().objects.create_user(data["username"], password=data["password"])
                Account.objects.create(user=user, role=data["role"])
            messages.success(request, f"Account {data['username']} created.")
            return redirect("accounts:users")
    accounts = Account.objects.select_related("user").order_by("user__username")
    return render(
        request,
        "accounts/users.html",
        {"accounts": accounts, "form": form, "roles": roles().values()},
        status=400 if form.errors else 200,
    )


@section_required("users")
@require_POST
def set_role(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        account.role = form.cleaned_data["role"]
        account.role_source = Account.RoleSource.ADMINISTRATOR
        account.save(update_fields=["role", "role_source"])
        messages.success(request, f"Role for {account.user.get_username()} updated.")
    return redirect("accounts:users")
