"""Lockout after repeated failed sign-ins (5 within 15 minutes by default)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from kinsight.web.accounts.models import SignInFailure


def _window_start():
    return timezone.now() - timedelta(minutes=settings.SIGN_IN_FAILURE_WINDOW_MINUTES)


def is_locked(username: str) -> bool:
    recent = SignInFailure.objects.filter(username=username.lower(), at__gte=_window_start())
    return recent.count() >= settings.SIGN_IN_MAX_FAILURES


def record_failure(username: str) -> None:
    SignInFailure.objects.create(username=username.lower())
    # Old failures are no longer evidence of anything; keep the table small.
    SignInFailure.objects.filter(at__lt=_window_start()).delete()


def clear(username: str) -> None:
    SignInFailure.objects.filter(username=username.lower()).delete()
