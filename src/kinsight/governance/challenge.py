"""Challenge: a child, family or practitioner on their behalf says a link or a fact is wrong.

A challenge is a case for the data protection officer. Upholding a disputed link
*unlinks*: the two records become a cannot-link constraint, kept in the control
plane and given to the child index (:meth:`kinsight.linkage.ChildIndex.decide`),
which splits them now and honours the constraint in every later linkage run. If
the deployment has no index yet, :func:`apply_cannot_links` gives it every upheld
challenge once it exists. Upholding a disputed
fact records a *rectification*, shown beside the source value wherever the record
is shown. A challenge may also be rejected, with reasons the person is given.
Every step is audited; the person's own words stay in the case, not in the log.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.governance import audit
from kinsight.governance.models import CannotLink, Challenge, Rectification

#: The child index's folder, relative to the warehouse (docs/contracts.md §4).
INDEX_FOLDER = Path("index")
DECISIONS = ("unlink", "rectify", "reject")


def raise_challenge(*, person_id: str, kind: str, raised_by: str, statement: str, source: str,
                    record_id: str, other_source: str = "", other_record_id: str = "", field: str = "",
                    proposed_value: str = "", actor: str, now: datetime | None = None) -> Challenge:
    """Open a challenge about a link (two records) or a fact (one field of one record)."""
    if kind not in Challenge.KINDS:
        raise KinsightError(f"a challenge is about a 'link' or a 'fact', not {kind!r}")
    if not statement.strip():
        raise KinsightError("say what is wrong: a challenge needs a statement")
    if kind == "link" and not (other_source and other_record_id):
        raise KinsightError("a challenged link names both records (the other source and record id)")
    if kind == "fact" and not field:
        raise KinsightError("a challenged fact names the field that is wrong")
    now = now or timezone.now()
    challenge = Challenge.objects.create(
        reference=f"CH-{now:%Y%m%d}-{secrets.token_hex(3).upper()}", person_id=person_id, kind=kind,
        raised_by=raised_by, statement=statement.strip(), source=source, record_id=record_id,
        other_source=other_source, other_record_id=other_record_id, field=field,
        proposed_value=proposed_value, raised_at=now,
    )
    audit.record(actor=actor, purpose="subject_access", action="challenge.raised", target=person_id,
                 outcome="open", at=now,
                 details={"challenge": challenge.reference, "kind": kind, "raised_by": raised_by})
    return challenge


def resolve(reference: str, *, decision: str, resolver: str, resolver_role: str, reason: str,
            warehouse: Path | None = None, corrected_value: str | None = None,
            now: datetime | None = None) -> Challenge:
    """The DPO's decision: ``unlink`` (a link), ``rectify`` (a fact) or ``reject``; audited.

    ``warehouse`` is the deployment's warehouse folder, whose child index is
    told about an ``unlink`` at once.
    """
    if resolver_role != "dpo":
        raise KinsightError("only the data protection officer decides a challenge")
    if decision not in DECISIONS:
        raise KinsightError(f"a decision is one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise KinsightError("a decision needs reasons the person will be given")
    now = now or timezone.now()
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().filter(reference=reference).first()
        if challenge is None:
            raise KinsightError(f"no challenge {reference}")
        if challenge.status != "open":
            raise KinsightError(f"{reference} was already decided ({challenge.status})")
        if decision == "unlink":
            if challenge.kind != "link":
                raise KinsightError(f"{reference} disputes a fact; it can be rectified or rejected")
            if warehouse is None:
                raise KinsightError("unlinking needs the warehouse folder, for the child index")
            CannotLink.objects.create(source_l=challenge.source, record_id_l=challenge.record_id,
                                      source_r=challenge.other_source, record_id_r=challenge.other_record_id,
                                      challenge=challenge)
            challenge.status = "unlinked"
        elif decision == "rectify":
            if challenge.kind != "fact":
                raise KinsightError(f"{reference} disputes a link; it can be unlinked or rejected")
            value = corrected_value if corrected_value is not None else challenge.proposed_value
            Rectification.objects.create(source=challenge.source, record_id=challenge.record_id,
                                         field=challenge.field, value=value, challenge=challenge)
            challenge.status = "rectified"
        else:
            challenge.status = "rejected"
        challenge.resolved_by, challenge.resolved_at, challenge.resolution = resolver, now, reason.strip()
        challenge.save()
        audit.record(actor=resolver, role=resolver_role, purpose="subject_access", action="challenge.resolved",
                     target=challenge.person_id, outcome=challenge.status, at=now,
                     details={"challenge": reference, "decision": decision})
    if decision == "unlink":
        apply_cannot_links(warehouse / INDEX_FOLDER, [challenge])
    return challenge


def open_challenges() -> list[Challenge]:
    """The DPO's queue: undecided challenges, oldest first."""
    return list(Challenge.objects.filter(status="open").order_by("raised_at"))


def cannot_link_pairs() -> list[tuple[str, str, str, str]]:
    """Every (source_l, record_id_l, source_r, record_id_r) the linkage must keep apart."""
    return list(CannotLink.objects.order_by("pk").values_list("source_l", "record_id_l", "source_r", "record_id_r"))


def apply_cannot_links(index_folder: Path, upheld: list[Challenge] | None = None) -> int:
    """Give the child index the cannot-link constraints of upheld challenges (all by default).

    Returns how many were applied; none when the deployment has no index yet (they
    stay in the control plane and are applied by a later call). Applying one twice
    changes nothing. The index is told which challenge decided it, never why.
    """
    from kinsight.linkage import ChildIndex
    from kinsight.linkage.index import INDEX_FILE

    if not (index_folder / INDEX_FILE).is_file():
        return 0
    decided = upheld if upheld is not None else list(
        Challenge.objects.filter(status="unlinked").order_by("resolved_at"))
    with ChildIndex.open(index_folder) as index:
        for c in decided:
            index.decide((c.source, c.record_id, c.other_source, c.other_record_id), same=False,
                         reviewer=c.resolved_by,
                         reason=f"challenge {c.reference} upheld by the data protection officer")
    return len(decided)
