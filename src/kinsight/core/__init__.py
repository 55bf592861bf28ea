"""Shared foundations: configuration, errors, paths. No domain rules live here."""

from kinsight.core.errors import KinsightError, UnusableInput

__all__ = ["KinsightError", "UnusableInput"]
