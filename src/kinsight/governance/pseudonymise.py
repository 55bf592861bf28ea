"""Pseudonymisation by purpose: what each kind of view may show of each field.

Three levels, chosen by the agreement rule that allowed the access
(:attr:`kinsight.governance.policy.Decision.view`):

``identified``
    operational views for practitioners: everything the decision permitted.
``pseudonymous``
    analysis views: ``person_id`` only – no names, numbers, record ids, addresses,
    free text or pointers to other people – and dates coarsened to the agreement's
    precision (month by default).
``keyed_alias``
    research extracts: as pseudonymous, and ``person_id`` replaced by an alias made
    with a secret key held for that project only (HMAC-SHA256), so two projects'
    extracts cannot be joined with each other or with the warehouse.

What happens to a field follows its class in ``data/fields.yaml``; the same plan is
applied to rows (the web service) and to Arrow tables (analysis and extracts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.utils import timezone

from kinsight.core.errors import KinsightError
from kinsight.governance import audit, catalogue
from kinsight.governance.models import ResearchProject

LEVELS = ("identified", "pseudonymous", "keyed_alias")
PRECISIONS = ("day", "month", "year")

#: What each level does with each field class: keep, drop, coarsen (dates) or alias (person_id).
_PLAN: dict[str, dict[str, str]] = {
    "identified": {},
    "pseudonymous": {"direct_identifier": "drop", "free_text": "drop", "third_party": "drop", "date": "coarsen"},
    "keyed_alias": {"direct_identifier": "drop", "free_text": "drop", "third_party": "drop", "date": "coarsen",
                    "pseudonym": "alias"},
}


def column_plan(table: str, columns: Iterable[str], level: str) -> dict[str, str]:
    """For each column of a table: ``keep``, ``drop``, ``coarsen`` or ``alias`` at this level."""
    if level not in LEVELS:
        raise KinsightError(f"unknown pseudonymisation level {level!r}; expected one of {', '.join(LEVELS)}")
    actions = _PLAN[level]
    return {c: actions.get(catalogue.field_class(f"{table}.{c}"), "keep") for c in columns}


def coarsen(value: date | datetime | str | None, precision: str) -> str | None:
    """A date shown to the day (``2026-03-14``), the month (``2026-03``) or the year (``2026``)."""
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    text = text[:10]
    return {"day": text, "month": text[:7], "year": text[:4]}[_precision(precision)]


def _precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise KinsightError(f"unknown date precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    return precision


def view_row(row: Mapping[str, Any], *, table: str, level: str, date_precision: str = "month",
             project: str | None = None) -> dict[str, Any]:
    """One row as a view at ``level`` may show it (``project`` is needed for keyed aliases)."""
    plan = column_plan(table, row.keys(), level)
    key = _project_key(project) if "alias" in plan.values() else None
    shown: dict[str, Any] = {}
    for column, action in plan.items():
        value = row[column]
        if action == "keep":
            shown[column] = value
        elif action == "coarsen":
            shown[column] = coarsen(value, date_precision)
        elif action == "alias":
            shown["alias"] = _alias(key, value) if value is not None else None
    return shown


def view_table(data: pa.Table, *, table: str, level: str, date_precision: str = "month",
               project: str | None = None) -> pa.Table:
    """An Arrow table as a view at ``level`` may show it (for analysis and research extracts)."""
    plan = column_plan(table, data.column_names, level)
    key = _project_key(project) if "alias" in plan.values() else None
    columns, names = [], []
    for column, action in plan.items():
        values = data.column(column)
        if action == "drop":
            continue
        if action == "coarsen":
            width = {"day": 10, "month": 7, "year": 4}[_precision(date_precision)]
            values = pc.utf8_slice_codeunits(pc.cast(values, pa.string()), 0, width)
        elif action == "alias":
            values = pa.array([_alias(key, v) if v is not None else None for v in values.to_pylist()], pa.string())
            column = "alias"
        columns.append(values)
        names.append(column)
    return pa.table(columns, names=names)


def restrict(row: Mapping[str, Any], table: str, permitted_fields: Iterable[str]) -> dict[str, Any]:
    """Only the columns a decision permitted (``permitted_fields`` are ``table.column``)."""
    permitted = set(permitted_fields)
    return {c: v for c, v in row.items() if f"{table}.{c}" in permitted}


# ----------------------------------------------------------------------------- research projects


def create_project(code: str, *, agreement_id: str, title: str = "", actor: str) -> ResearchProject:
    """Register an approved research project and make its secret alias key; audited."""
    if ResearchProject.objects.filter(code=code).exists():
        raise KinsightError(f"research project {code!r} already exists")
    project = ResearchProject.objects.create(code=code, agreement_id=agreement_id, title=title,
                                             key=secrets.token_hex(32))
    audit.record(actor=actor, action="research.project", target=f"project:{code}", outcome="created",
                 agreement=agreement_id, purpose="research")
    return project


def destroy_project_key(code: str, *, actor: str) -> None:
    """Destroy a project's key, so its aliases can never be re-made or linked back; audited."""
    project = _project(code)
    project.key = ""
    project.key_destroyed_at = timezone.now()
    project.save(update_fields=["key", "key_destroyed_at"])
    audit.record(actor=actor, action="research.key_destroyed", target=f"project:{code}", outcome="destroyed",
                 agreement=project.agreement_id, purpose="research")


def alias(project: str, person_id: str) -> str:
    """The research alias of one child in one project."""
    return _alias(_project_key(project), person_id)


def _project(code: str | None) -> ResearchProject:
    found = ResearchProject.objects.filter(code=code).first() if code else None
    if found is None:
        raise KinsightError(f"no research project {code!r}; keyed extracts need a registered project")
    return found


def _project_key(code: str | None) -> bytes:
    project = _project(code)
    if not project.key:
        raise KinsightError(f"research project {code!r} has ended: its key was destroyed")
    return bytes.fromhex(project.key)


def _alias(key: bytes, person_id: str) -> str:
    digest = hmac.new(key, person_id.encode(), hashlib.sha256).digest()
    # 'R' + 16 base32 characters (80 bits): short enough to read, far too many to guess.
    return "R" + base64.b32encode(digest).decode()[:16]
