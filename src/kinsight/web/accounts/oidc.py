"""Single sign-on by OpenID Connect (Microsoft Entra ID style), through Authlib.

Configured by ``KINSIGHT_OIDC`` in settings, which ``kinsight serve`` fills from the
``[web.oidc]`` table of kinsight.toml::

    [web.oidc]
    label = "Sign in with your council account"
    metadata_url = "https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration"
    client_id = "..."
    client_secret_env = "KINSIGHT_OIDC_SECRET"   # the secret itself never goes in the file
    role_claim = "roles"                          # Entra app roles
    [web.oidc.roles]
    "Kinsight.Analyst" = "analyst"

The code flow uses PKCE (S256) and a nonce; Authlib checks the id_token's signature against the
provider's JWKS, its issuer, audience, expiry and nonce. Users are keyed by ``tid``/``oid`` (or
``sub``), never by email, because email addresses are reassigned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from kinsight.core.errors import KinsightError
from kinsight.web.accounts.models import Account
from kinsight.web.roles import role_from_claims

CLIENT_NAME = "kinsight_sso"


@dataclass(frozen=True)
class OidcSettings:
    metadata_url: str
    client_id: str
    client_secret: str
    label: str = "Sign in with your organisation's account"
    role_claim: str = "roles"
    roles: dict[str, str] = field(default_factory=dict)


def configured() -> OidcSettings | None:
    """The single sign-on settings, or None when only local accounts are in use."""
    raw = getattr(settings, "KINSIGHT_OIDC", None)
    if not raw:
        return None
    secret = raw.get("client_secret") or os.environ.get(raw.get("client_secret_env", ""), "")
    for key in ("metadata_url", "client_id"):
        if not raw.get(key):
            raise KinsightError(f"[web.oidc]: the key {key!r} is required for single sign-on")
    return OidcSettings(
        metadata_url=raw["metadata_url"],
        client_id=raw["client_id"],
        client_secret=secret,
        label=raw.get("label", OidcSettings.label),
        role_claim=raw.get("role_claim", "roles"),
        roles=dict(raw.get("roles", {})),
    )


def client(oidc: OidcSettings):
    """An Authlib client for the configured provider (its metadata is fetched on first use)."""
    registry = OAuth()
    registry.register(
        CLIENT_NAME,
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        server_metadata_url=oidc.metadata_url,
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )
    return registry.create_client(CLIENT_NAME)


def subject_key(claims: dict) -> str:
    """The stable identity of a single sign-on user: issuer + tenant/object ids, else ``sub``."""
    if claims.get("oid"):
        return f"{claims['iss']}|{claims.get('tid', '')}|{claims['oid']}"
    return f"{claims['iss']}|{claims['sub']}"


@transaction.atomic
def account_for(claims: dict, oidc: OidcSettings) -> Account:
    """Find or create the account for verified id_token claims, and apply the role claim.

    A role from the claims always wins (the identity provider is the source of truth for
    staff who have one). With no mapped claim, a role an administrator set is kept; a new user
    with neither gets no role and sees only a page asking them to contact an administrator.
    """
    key = subject_key(claims)
    account = Account.objects.select_related("user").filter(sso_subject=key).first()
    if account is None:
        username = _unused_username(claims.get("preferred_username") or claims.get("email") or claims["sub"])
        user = get_user_model().objects.create_user(username=username, email=claims.get("email", ""))
        user.set_unusable_password()
        user.save()
        account = Account.objects.create(user=user, sso_subject=key)
    role = role_from_claims(claims.get(oidc.role_claim), oidc.roles)
    if role:
        account.role, account.role_source = role, Account.RoleSource.CLAIMS
        account.save(update_fields=["role", "role_source"])
    elif account.role_source == Account.RoleSource.CLAIMS:
        # The provider no longer grants a role: the user loses it rather than keeping a stale one.
        account.role = ""
        account.save(update_fields=["role"])
    return account


def _unused_username(wanted: str) -> str:
    users = get_user_model().objects
    candidate, n = wanted[:140], 1
    while users.filter(username=candidate).exists():
        n += 1
        candidate = f"{wanted[:140]}-{n}"
    return candidate
