"""What the catalogue shows, assembled from the configuration, the source schemas, the
agreements, the current snapshot and its run summary, and the indicator library.

Supply: per source, who provides it, why, its fields, how often it arrives, when it was last
loaded, its quality, the agreements covering it and who receives it under them.
Demand: per objective (a National Framework outcome), the measures it needs, the warehouse
tables each reads, and the gaps: tables the measures need that hold nothing (missing data) and
tables that are loaded but feed no measure and no agreement (possibly redundant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kinsight.analysis.catalogue import OUTCOMES, library
from kinsight.core.errors import KinsightError
from kinsight.governance.models import Agreement
from kinsight.sources.registry import schema_of
from kinsight.web import deployment


@dataclass
class SourceEntry:
    name: str
    title: str
    format: str
    frequency: str
    fields: list[str]
    providers: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    last_loaded: str = "never"
    rows: int = 0
    quality: str = "not checked"


def _agreements_for(source: str) -> list[Agreement]:
    latest: dict[str, Agreement] = {}
    for agreement in Agreement.objects.order_by("agreement_id", "-version"):
        latest.setdefault(agreement.agreement_id, agreement)
    return [a for a in latest.values() if any(d["source"] == source for d in a.document["datasets"])]


def sources() -> list[SourceEntry]:
    config = deployment.config()
    if config is None:
        raise KinsightError("no deployment is configured")
    summary = deployment.current_summary()
    loads = _loads()
    entries = []
    for source in config.sources:
        try:
            schema = schema_of(source)
            title, frequency, fields = schema.title, schema.frequency, list(schema.fields)
        except KinsightError:
            title, frequency, fields = source.name.replace("_", " ").capitalize(), "per return", []
        entry = SourceEntry(source.name, title, source.format, frequency, fields or list(source.columns.values()))
        for agreement in _agreements_for(source.name):
            document = agreement.document
            dataset = next(d for d in document["datasets"] if d["source"] == source.name)
            parties = {p["id"]: p["organisation"] for p in document["parties"]}
            entry.providers.append(parties.get(dataset["provider"], dataset["provider"]))
            entry.agreements.append(f"{document['title']} ({agreement.status})")
            entry.purposes.extend(p for p in document["purpose"]["purposes"] if p not in entry.purposes)
            for rule in document["rules"]:
                if not rule.get("datasets") or source.name in rule["datasets"]:
                    entry.recipients.extend(r for r in rule["roles"] if r not in entry.recipients)
        if source.name in loads:
            entry.last_loaded, entry.rows = loads[source.name]
        entry.quality = _quality(summary, source.name)
        entries.append(entry)
    return entries


def _loads() -> dict[str, tuple[str, int]]:
    try:
        con = deployment.snapshot()
        rows = con.execute("SELECT source, max(loaded_at), sum(rows) FROM loads GROUP BY source").fetchall()
    except KinsightError:
        return {}
    return {source: (f"{at:%d %B %Y %H:%M}" if at else "unknown", int(n or 0)) for source, at, n in rows}


def _quality(summary: dict, source: str) -> str:
    headline = summary.get("validation", {}).get(source)
    if headline and "errors" in headline:
        return f"{headline['errors']} errors, {headline['queries']} queries against the DfE rules"
    for loaded in summary.get("sources", []):
        if loaded.get("name") == source:
            return f"{loaded.get('rejected', 0)} rows rejected of {loaded.get('rows', 0)}"
    return "not checked"


@dataclass
class Objective:
    title: str
    measures: list[dict]


def demand() -> tuple[list[Objective], list[str], list[str]]:
    """Objectives with their measures and tables; tables missing data; tables feeding nothing."""
    counts = _table_counts()
    lib = library()
    shared = {name: sql for name, sql in lib.views.items()}
    used: set[str] = set()
    objectives: dict[str, Objective] = {}
    for item in lib.indicators.values():
        tables = _tables_in(item.units_sql, counts, shared)
        used |= tables
        objectives.setdefault(item.outcome, Objective(OUTCOMES[item.outcome], [])).measures.append({
            "title": item.title, "id": item.id, "tables": sorted(tables),
            "missing": sorted(t for t in tables if counts.get(t, 0) == 0),
            "source_fields": list(item.source_fields),
        })
    missing = sorted({t for o in objectives.values() for m in o.measures for t in m["missing"]})
    governed = {table.split(".")[0] for a in Agreement.objects.all() for d in a.document["datasets"] for table in d["fields"]}
    unused = sorted(t for t, n in counts.items() if n and t not in used and t not in governed)
    return list(objectives.values()), missing, unused


def _table_counts() -> dict[str, int]:
    try:
        con = deployment.snapshot()
    except KinsightError:
        return {}
    tables = [name for (name,) in con.execute(
        "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'person_id'").fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _tables_in(sql: str, counts: dict[str, int], views: dict[str, str], seen: frozenset = frozenset()) -> set[str]:
    """Warehouse tables an indicator's SQL reads, following the library's shared views."""
    found = {t for t in counts if re.search(rf"\b{re.escape(t)}\b", sql)}
    for name, body in views.items():
        if name not in seen and re.search(rf"\b{re.escape(name)}\b", sql):
            found |= _tables_in(body, counts, views, seen | {name})
    return found
