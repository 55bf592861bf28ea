"""Signing in: local accounts with lockout, single sign-on by OIDC, and roles."""

from __future__ import annotations

import pytest
import requests
from web_helpers import PASSWORD
from django.contrib.auth import get_user_model
from django.test import Client

from kinsight.web.accounts.models import Account

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def sign_in(client, username, password):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_a_user_signs_in_with_their_password_and_lands_on_the_start_page(client, make_user):
    make_user("analyst", username="asha")
    response = sign_in(client, "asha", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Signed in as asha" in page and "Performance or data analyst" in page


def test_passwords_are_stored_with_argon2(make_user):
    assert make_user("analyst").password.startswith("argon2")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    make_user("analyst", username="asha")
    response = sign_in(client, "asha", "wrong")
    assert response.status_code == 400
    assert "Enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_empty_form_names_the_missing_fields(client):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter your username" in page and "Enter your password" in page


def test_five_failures_in_fifteen_minutes_lock_the_account_even_with_the_right_password(client, make_user):
    make_user("analyst", username="asha")
    for _ in range(5):
        sign_in(client, "asha", "guess")
    response = sign_in(client, "asha", PASSWORD)
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_applies_to_usernames_that_do_not_exist_too(client):
    for _ in range(5):
        response = sign_in(client, "nobody", "guess")
    assert "Too many failed attempts" in response.content.decode()


def test_old_failures_expire_after_the_window(client, make_user, settings):
    settings.SIGN_IN_FAILURE_WINDOW_MINUTES = 0
    make_user("analyst", username="asha")
    for _ in range(6):
        sign_in(client, "asha", "guess")
    assert sign_in(client, "asha", PASSWORD).status_code == 302


def test_next_only_redirects_within_the_service(client, make_user):
    make_user("analyst", username="asha")
    response = client.post(
        "/sign-in/", {"username": "asha", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_sign_out_is_a_post_and_ends_the_session(signed_in):
    client = signed_in("analyst")
    assert client.get("/sign-out/").status_code == 405
    client.post("/sign-out/")
    assert client.get("/")["Location"].startswith("/sign-in/")


def test_a_user_without_a_role_sees_no_sections(signed_in):
    page = signed_in("").get("/").content.decode()
    assert "has no role yet" in page


# --- single sign-on ---------------------------------------------------------------------------


def sso_round_trip(client: Client, provider) -> object:
    """Follow the OIDC code flow: us → provider's authorize endpoint → back to our callback."""
    start = client.get("/sign-in/sso/")
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer)
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = back.headers["Location"].removeprefix("http://testserver")
    return client.get(callback)


def test_the_sign_in_page_offers_single_sign_on_when_configured(client, oidc_provider):
    assert "Sign in with your council account" in client.get("/sign-in/").content.decode()


def test_single_sign_on_creates_an_account_with_the_role_from_the_app_roles_claim(client, oidc_provider):
    oidc_provider.user_claims = {
        "sub": "pairwise-1", "oid": "object-1", "preferred_username": "sam@council.example",
        "email": "sam@council.example", "roles": ["Kinsight.Analyst"],
    }
    response = sso_round_trip(client, oidc_provider)
    assert response.status_code == 302 and response["Location"] == "/"
    account = Account.objects.get(user__username="sam@council.example")
    assert account.role == "analyst" and account.role_source == "claims"
    assert account.sso_subject.endswith("|tenant-1|object-1")
    assert not account.user.has_usable_password()


def test_claim_values_can_be_mapped_to_roles_in_configuration(client, oidc_provider):
    oidc_provider.user_claims = {"sub": "s", "oid": "o2", "preferred_username": "pat", "roles": ["Council.SocialWorker"]}
    sso_round_trip(client, oidc_provider)
    assert Account.objects.get(user__username="pat").role == "social_worker"


def test_users_are_matched_by_object_id_not_email(client, oidc_provider):
    oidc_provider.user_claims = {"sub": "s", "oid": "o3", "preferred_username": "kim", "email": "kim@x", "roles": []}
    sso_round_trip(client, oidc_provider)
    client.post("/sign-out/")
    oidc_provider.user_claims |= {"preferred_username": "kim.renamed", "email": "new@x"}
    sso_round_trip(client, oidc_provider)
    assert Account.objects.filter(sso_subject__endswith="|o3").count() == 1


def test_a_role_set_by_an_administrator_is_kept_when_the_provider_sends_none(client, oidc_provider):
    oidc_provider.user_claims = {"sub": "s", "oid": "o4", "preferred_username": "dee", "roles": []}
    sso_round_trip(client, oidc_provider)
    account = Account.objects.get(user__username="dee")
    assert account.role == ""
    account.role = "dpo"
    account.save()
    client.post("/sign-out/")
    sso_round_trip(client, oidc_provider)
    assert Account.objects.get(user__username="dee").role == "dpo"


def test_an_id_token_signed_with_another_key_is_refused(client, oidc_provider):
    from joserfc.jwk import RSAKey

    oidc_provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
    oidc_provider.user_claims = {"sub": "s", "oid": "o5", "preferred_username": "mallory", "roles": ["Kinsight.Administrator"]}
    response = sso_round_trip(client, oidc_provider)
    assert response.status_code == 400
    assert "Single sign-on did not complete" in response.content.decode()
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_a_callback_with_a_forged_state_is_refused(client, oidc_provider):
    client.get("/sign-in/sso/")
    response = client.get("/sign-in/sso/callback/?code=abc&state=forged")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_unreachable_provider_gives_a_clear_message(client, settings):
    settings.KINSIGHT_OIDC = {"metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
                              "client_id": "c", "client_secret": "s"}
    response = client.get("/sign-in/sso/")
    assert response.status_code == 400
    assert "could not be reached" in response.content.decode()


# --- administrators set roles ------------------------------------------------------------------


def test_an_administrator_creates_an_account_and_changes_its_role(signed_in):
    client = signed_in("admin")
    response = client.post("/users/", {"username": "newbie", "password": "a long enough password", "role": "researcher"})
    assert response.status_code == 302
    account = Account.objects.get(user__username="newbie")
    assert account.role == "researcher"
    client.post(f"/users/{account.pk}/role/", {"role": "analyst"})
    account.refresh_from_db()
    assert account.role == "analyst" and account.role_source == "administrator"


def test_a_short_password_is_refused_with_a_message(signed_in):
    response = signed_in("admin").post("/users/", {"username": "n", "password": "short", "role": "analyst"})
    assert response.status_code == 400
    assert "12 characters or more" in response.content.decode()


@pytest.mark.parametrize("role", ["analyst", "social_worker", "dpo", "family", ""])
def test_only_administrators_manage_users(signed_in, role):
    client = signed_in(role)
    assert client.get("/users/").status_code == 403
    assert client.post("/users/1/role/", {"role": "admin"}).status_code == 403
