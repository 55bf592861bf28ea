"""The control plane: what governance must remember, as Django models.

The services in this package (``agreements``, ``policy``, ``audit``, ``sar``,
``challenge``, ``retention``) are the only writers; views and commands call them,
never these models directly. No model holds a child's name or identifiers: people
are named by their pseudonymous ``person_id`` and records by ``source`` and
``record_id``.
"""

from __future__ import annotations

from django.db import models


class Agreement(models.Model):
    """One version of a data sharing agreement, as loaded from its YAML document."""

    STATUSES = ["draft", "active", "suspended", "expired"]

    agreement_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default="draft")
    start = models.DateField()
    review = models.DateField()
    expiry = models.DateField()
    #: The validated document itself; the policy decision point interprets it.
    document = models.JSONField()
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement_id", "version"], name="agreement_version_unique")
        ]
        ordering = ["agreement_id", "-version"]

    def __str__(self) -> str:
        return f"{self.agreement_id} v{self.version} ({self.status})"


class Relationship(models.Model):
    """A legitimate relationship: a practitioner works with a child between two dates."""

    user = models.CharField(max_length=150, db_index=True)
    person_id = models.CharField(max_length=32, db_index=True)
    relationship = models.CharField(max_length=64, default="allocated worker")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class BreakGlass(models.Model):
    """Emergency access to a child's record outside a relationship, pending the DPO's review."""

    OUTCOMES = ["pending", "justified", "not_justified"]

    user = models.CharField(max_length=150, db_index=True)
    role = models.CharField(max_length=32)
    organisation = models.CharField(max_length=64)
    person_id = models.CharField(max_length=32, db_index=True)
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    review_outcome = models.CharField(
        max_length=16, choices=[(o, o) for o in OUTCOMES], default="pending"
    )
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)


class AuditHead(models.Model):
    """The one row that serialises appends to the audit chain and remembers its head."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class AuditEntry(models.Model):
    """One link of the hash-chained audit log. Append-only: written by ``audit.record``."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=32, blank=True)
    purpose = models.CharField(max_length=32, blank=True)
    agreement = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=64)
    #: A person_id, a dataset, or another control-plane object; never a name.
    target = models.CharField(max_length=200, blank=True, db_index=True)
    outcome = models.CharField(max_length=32)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]


class Checkpoint(models.Model):
    """A signed statement of the audit chain's head, for partners to keep and check."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)


class ResearchProject(models.Model):
    """An approved research project and the secret key its extracts' aliases are made with."""

    code = models.CharField(max_length=64, unique=True)
    agreement_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    #: Hex HMAC key; emptied when the project's retention ends (its aliases can never be remade).
    key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    key_destroyed_at = models.DateTimeField(null=True, blank=True)


class SubjectAccessCase(models.Model):
    """A subject access request, tracked against the one-month deadline (UK GDPR Art 12)."""

    STATUSES = ["open", "paused", "completed", "withdrawn"]

    reference = models.CharField(max_length=32, unique=True)
    person_id = models.CharField(max_length=32, db_index=True)
    #: Who asked, in role terms: "the child", "a parent", "a practitioner on their behalf".
    requester = models.CharField(max_length=100)
    received_on = models.DateField()
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default="open")
    extended = models.BooleanField(default=False)
    extension_reason = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)


class SubjectAccessPause(models.Model):
    """A lawful stop of the clock (DUAA 2025 Art 12A): waiting for ID, clarification or a fee."""

    REASONS = ["identity", "clarification", "fee"]

    case = models.ForeignKey(SubjectAccessCase, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=16, choices=[(r, r) for r in REASONS])
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)


class Challenge(models.Model):
    """A dispute of a link or a fact, raised by or for a child or family, decided by the DPO."""

    KINDS = ["link", "fact"]
    STATUSES = ["open", "unlinked", "rectified", "rejected"]

    reference = models.CharField(max_length=32, unique=True)
    person_id = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=8, choices=[(k, k) for k in KINDS])
    raised_by = models.CharField(max_length=100)
    statement = models.TextField()
    source = models.CharField(max_length=64)
    record_id = models.CharField(max_length=100)
    #: For a disputed link: the other record of the pair.
    other_source = models.CharField(max_length=64, blank=True)
    other_record_id = models.CharField(max_length=100, blank=True)
    #: For a disputed fact: the field and what the person says it should be.
    field = models.CharField(max_length=80, blank=True)
    proposed_value = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default="open")
    raised_at = models.DateTimeField()
    resolved_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)


class CannotLink(models.Model):
    """Two records that every later linkage run must keep apart (from an upheld challenge)."""

    source_l = models.CharField(max_length=64)
    record_id_l = models.CharField(max_length=100)
    source_r = models.CharField(max_length=64)
    record_id_r = models.CharField(max_length=100)
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="cannot_links")
    created_at = models.DateTimeField(auto_now_add=True)


class Rectification(models.Model):
    """A corrected fact, shown beside the source value wherever the record is shown."""

    source = models.CharField(max_length=64)
    record_id = models.CharField(max_length=100)
    field = models.CharField(max_length=80)
    value = models.TextField()
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="rectifications")
    created_at = models.DateTimeField(auto_now_add=True)


class PurgedRecord(models.Model):
    """A source record deleted at the end of its retention; loads and packs must skip it."""

    source = models.CharField(max_length=64)
    record_id = models.CharField(max_length=100)
    agreement_id = models.CharField(max_length=64)
    due_on = models.DateField()
    purged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id"], name="purged_record_unique")
        ]
