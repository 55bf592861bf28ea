"""Fixtures shared by the governance and web tests."""

import pytest


@pytest.fixture
def tamperer(db):
    """Someone with the database owner's rights, about to alter the audit log: on PostgreSQL
    they must first switch off the trigger that keeps it append-only (within the test's
    transaction, so it is back on for the next test)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE governance_auditentry DISABLE TRIGGER audit_append_only")
