"""A user's Kinsight account: their role, how it was set, and their single sign-on identity."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kinsight.web.roles import role_choices


class Account(models.Model):
    """What Kinsight knows about a user beyond Django's ``User``."""

    class RoleSource(models.TextChoices):
        ADMINISTRATOR = "administrator", "Set by an administrator"
        CLAIMS = "claims", "From the identity provider's claims"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    role = models.CharField(max_length=40, choices=role_choices, blank=True)
    role_source = models.CharField(max_length=20, choices=RoleSource.choices, default=RoleSource.ADMINISTRATOR)
    #: For single sign-on users: the issuer's stable subject key (Entra ``tid``/``oid``, never email).
    sso_subject = models.CharField(max_length=255, unique=True, null=True, blank=True)
    #: The agreement party the user works for (``la``, ``health``, ``schools``…), as the policy asks.
    organisation = models.CharField(max_length=40, default="la")
    #: For a child, young person or parent using the family portal: whose records they may see.
    person_id = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role or 'no role'})"


class SignInFailure(models.Model):
    """One failed local sign-in, kept to lock an account after repeated failures.

    Keyed by the username as typed (lower-cased), so guessing against accounts that do not
    exist is throttled exactly like guessing against ones that do.
    """

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
