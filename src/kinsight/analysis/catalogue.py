"""The indicator library: ``indicators.yaml`` read into typed :class:`Indicator` records.

The YAML is the single declaration of every measure (its SQL and its metadata). This module
only reads it, expands ``for_each`` templates over the code lists in ``analysis/data/`` and
checks that each entry is complete, so a mistake in the library fails loudly at import time
of the catalogue rather than as a wrong figure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kinsight.core.errors import KinsightError

#: National Framework outcomes and enablers, keyed by a stable id (never by number: the
#: dashboard renumbered outcomes 2 and 3 in March 2026).
OUTCOMES: dict[str, str] = {
    "stay_together": "Children, young people and families stay together and get the help they need",
    "safe": "Children and young people are safe in and outside of their home",
    "family_network": "Children and young people are supported by their family network",
    "stable_homes": "Children in care and care leavers have stable, loving homes",
    "multi_agency": "Multi-agency working is prioritised and effective",
    "leaders": "Leaders drive conditions for effective practice",
    "workforce": "The workforce is equipped and effective",
}

#: Units an indicator can be expressed in, and how its value is derived from its sums.
UNITS = ("percent", "per_10k", "mean", "count")
#: LAIT polarity: whether a higher value is better (``high``), worse (``low``) or neither.
POLARITIES = ("high", "low", "none")
#: Breakdowns every child-level indicator can offer, from the warehouse ``persons`` table.
PERSON_BREAKDOWNS = ("sex", "ethnic_group", "imd_decile", "ward", "lsoa")

_REQUIRED = ("id", "title", "outcome", "definition", "unit", "polarity", "units")


@dataclass(frozen=True)
class Indicator:
    """One measure, as declared in ``indicators.yaml``."""

    id: str
    title: str
    outcome: str
    definition: str
    unit: str
    polarity: str
    units_sql: str
    frequency: str = "any"
    dps: int = 1
    source_fields: tuple[str, ...] = ()
    breakdowns: tuple[str, ...] = ()
    published: dict[str, Any] | None = None
    #: A child may appear in several units under different breakdown levels; the total then
    #: counts each child once.
    distinct_total: bool = False

    @property
    def outcome_title(self) -> str:
        return OUTCOMES[self.outcome]

    @property
    def unit_label(self) -> str:
        return {"percent": "%", "per_10k": "per 10,000 children", "mean": "", "count": ""}[
            self.unit
        ]


@dataclass(frozen=True)
class Library:
    """The whole declaration: indicators, the shared views their SQL uses, code lists."""

    indicators: dict[str, Indicator]
    views: dict[str, str]
    lists: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _data_file(name: str):
    return resources.files("kinsight.analysis") / "data" / name


def code_list(name: str) -> list[dict[str, str]]:
    """A code list shipped as ``analysis/data/<name>.csv`` (rows as dicts of strings)."""
    with _data_file(f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expand(entry: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per code-list row, with ``{column}`` placeholders filled from the row."""

    def fill(value: Any, row: dict[str, Any]) -> Any:
        if isinstance(value, str):
            for key, replacement in row.items():
                value = value.replace("{" + key + "}", str(replacement))
            return value
        if isinstance(value, list):
            return [fill(item, row) for item in value]
        if isinstance(value, dict):
            return {key: fill(item, row) for key, item in value.items()}
        return value

    template = {key: value for key, value in entry.items() if key != "for_each"}
    return [fill(template, row) for row in rows]


def _indicator(entry: dict[str, Any]) -> Indicator:
    missing = [key for key in _REQUIRED if not entry.get(key)]
    where = f"indicators.yaml, indicator {entry.get('id', '?')}"
    if missing:
        raise KinsightError(f"{where}: missing {', '.join(missing)}")
    if entry["outcome"] not in OUTCOMES:
        raise KinsightError(f"{where}: unknown outcome {entry['outcome']!r}")
    if entry["unit"] not in UNITS:
        raise KinsightError(f"{where}: unknown unit {entry['unit']!r}")
    if entry["polarity"] not in POLARITIES:
        raise KinsightError(f"{where}: unknown polarity {entry['polarity']!r}")
    return Indicator(
        id=entry["id"],
        title=entry["title"],
        outcome=entry["outcome"],
        definition=entry["definition"],
        unit=entry["unit"],
        polarity=entry["polarity"],
        units_sql=entry["units"],
        frequency=entry.get("frequency", "any"),
        dps=int(entry.get("dps", 0 if entry["unit"] == "count" else 1)),
        source_fields=tuple(entry.get("source_fields", ())),
        breakdowns=tuple(entry.get("breakdowns", ())),
        published=entry.get("published"),
        distinct_total=bool(entry.get("distinct_total", False)),
    )


def parse_library(text: str) -> Library:
    """Read a library from YAML text (the shipped one, or a test's)."""
    document = yaml.safe_load(text)
    lists = dict(document.get("lists", {}))
    indicators: dict[str, Indicator] = {}
    for entry in document["indicators"]:
        if "for_each" in entry:
            name = entry["for_each"]
            rows = lists[name] if name in lists else code_list(name)
            entries = _expand(entry, rows)
        else:
            entries = [entry]
        for expanded in entries:
            indicator = _indicator(expanded)
            if indicator.id in indicators:
                raise KinsightError(f"indicators.yaml: indicator {indicator.id} declared twice")
            indicators[indicator.id] = indicator
    return Library(indicators=indicators, views=dict(document.get("views", {})), lists=lists)


@cache
def library() -> Library:
    """The shipped library (read once)."""
    text = (resources.files("kinsight.analysis") / "indicators.yaml").read_text(encoding="utf-8")
    return parse_library(text)


def catalogue() -> list[Indicator]:
    """Every indicator Kinsight computes, in the order declared."""
    return list(library().indicators.values())


def indicator(indicator_id: str) -> Indicator:
    """One indicator by id; an unknown id is a user error naming the id."""
    try:
        return library().indicators[indicator_id]
    except KeyError:
        raise KinsightError(f"unknown indicator {indicator_id!r}") from None
