"""The governance vocabulary, declared as data: roles, purposes, and every field held.

``data/roles.yaml``, ``data/purposes.yaml`` and ``data/fields.yaml`` are the single
place these are defined; agreements are checked against them when loaded, and the
policy decision point and pseudonymisation interpret them.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

#: Field classes, in the words of ``data/fields.yaml``.
FIELD_CLASSES = ("pseudonym", "direct_identifier", "date", "free_text", "third_party", "area", "attribute")


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    kind: str
    description: str


@dataclass(frozen=True)
class Purpose:
    id: str
    title: str
    description: str


def _data(name: str):
    return yaml.safe_load(resources.files("kinsight.governance").joinpath("data", name).read_text("utf-8"))


@cache
def roles() -> dict[str, Role]:
    """Every role a user can act in, by id."""
    return {r["id"]: Role(**r) for r in _data("roles.yaml")["roles"]}


@cache
def purposes() -> dict[str, Purpose]:
    """Every purpose data can be used for, by id."""
    return {p["id"]: Purpose(**p) for p in _data("purposes.yaml")["purposes"]}


@cache
def field_classes() -> dict[str, str]:
    """``table.column`` → class, for every field Kinsight holds (lineage columns included)."""
    declared = _data("fields.yaml")
    lineage = declared["lineage"]
    classes: dict[str, str] = {}
    for table, columns in declared["tables"].items():
        # person_records are a source's own columns mapped to standard attributes: no lineage.
        if table != "person_records":
            classes.update({f"{table}.{name}": kind for name, kind in lineage.items()})
            classes.setdefault(f"{table}.person_id", "pseudonym")
        classes.update({f"{table}.{name}": kind for name, kind in columns.items()})
    return classes


def field_class(field: str) -> str:
    """The class of one ``table.column``; an undeclared field is treated as identifying."""
    return field_classes().get(field, "direct_identifier")


def expand(patterns: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The declared fields matching ``table.column`` patterns such as ``education.*`` or ``*.*``."""
    return _expand(tuple(patterns))


@cache
def _expand(patterns: tuple[str, ...]) -> frozenset[str]:
    # Agreements repeat the same few pattern lists on every decision: match each list once.
    return frozenset(f for f in field_classes() for p in patterns if fnmatch.fnmatchcase(f, p))


def unknown_patterns(patterns: list[str] | tuple[str, ...]) -> list[str]:
    """The patterns that match no declared field (a typo in an agreement)."""
    return [p for p in patterns if not expand([p])]
