"""Retention: records past the retention of their agreement are purged on schedule, and audited.

Each source is covered by an agreement (``agreement`` in ``kinsight.toml``) whose
``retention`` heading says how long its records are kept: until the child reaches
an age (``basis: age``), for some years after the latest date in the record
(``record_date``), or for some years after the agreement ends (``agreement_end``).
``kinsight retention run`` (daily, from cron or a scheduler) first marks agreements
past their expiry date as expired, then finds the records whose time has come and
purges them:

* each is entered in the purge ledger (``PurgedRecord``) and in
  ``<warehouse>/retention/purged.csv``, which subject access leaves out and the
  pipeline skips when it next loads the sources;
* every older warehouse snapshot is deleted, since it may hold a purged record
  (the current one is replaced by the next run);
* research projects whose agreement has ended and whose retention has run out
  lose their alias key, so their extracts can never be re-linked;
* one audit entry per source says how many records went and under which agreement
  (never which child).

A source with no agreement, or an agreement not loaded, is reported and left alone:
deleting data needs an explicit rule.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kinsight.core.config import ProjectConfig
from kinsight.core.errors import KinsightError
from kinsight.governance import agreements, audit, pseudonymise
from kinsight.governance.models import Agreement, PurgedRecord, ResearchProject

PURGE_LIST = Path("retention") / "purged.csv"


@dataclass(frozen=True)
class RetentionRule:
    """How long one agreement keeps its records."""

    agreement_id: str
    basis: str
    years: int
    action: str
    note: str
    agreement_expiry: date

    def describe(self) -> str:
        if self.basis == "age":
            plain = f"until your {_ordinal(self.years)} birthday"
        elif self.basis == "record_date":
            plain = f"for {self.years} years after the latest date in the record"
        else:
            plain = f"until {self.years} year(s) after the agreement ends on {self.agreement_expiry}"
        return f"{plain}, then {'deleted' if self.action == 'delete' else 'made anonymous'}"

    def due(self, *, dob: date | None, latest: date | None) -> date | None:
        """When a record reaches the end of its retention (None: not known, so kept)."""
        if self.basis == "age":
            return _add_years(dob, self.years) if dob else None
        if self.basis == "record_date":
            return _add_years(latest, self.years) if latest else None
        return _add_years(self.agreement_expiry, self.years)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def rule_for(config: ProjectConfig, source: str) -> RetentionRule | None:
    """The retention rule of the agreement covering a source, if there is one."""
    try:
        agreement_id = config.source(source).agreement
    except KinsightError:
        return None
    if not agreement_id:
        return None
    stored = Agreement.objects.filter(agreement_id=agreement_id).order_by("-version").first()
    return _rule(stored) if stored else None


def _rule(agreement: Agreement) -> RetentionRule:
    kept = agreement.document["retention"]
    return RetentionRule(agreement.agreement_id, kept["basis"], kept["years"], kept["action"],
                         kept.get("note", ""), agreement.expiry)


@dataclass
class RetentionReport:
    """What a retention run found and did."""

    today: date
    purged: dict[str, int] = field(default_factory=dict)
    snapshots_deleted: list[str] = field(default_factory=list)
    agreements_expired: list[str] = field(default_factory=list)
    keys_destroyed: list[str] = field(default_factory=list)
    left_alone: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False


def run(config: ProjectConfig, *, actor: str = "kinsight", today: date | None = None,
        dry_run: bool = False) -> RetentionReport:
    """Purge what is past retention (or, with ``dry_run``, only say what would go)."""
    from kinsight.store import Warehouse, open_snapshot

    today = today or timezone.localdate()
    report = RetentionReport(today=today, dry_run=dry_run)
    warehouse = Warehouse.of(config)
    due: dict[str, list[tuple[str, str, date]]] = defaultdict(list)
    if warehouse.current_id() is not None:
        con = open_snapshot(config)
        try:
            for source, record_id, due_on, agreement_id in _due_records(config, con, today, report):
                due[source].append((record_id, agreement_id, due_on))
        finally:
            con.close()
    already = set(PurgedRecord.objects.values_list("source", "record_id"))
    for source in list(due):
        due[source] = [d for d in due[source] if (source, d[0]) not in already]
        if not due[source]:
            del due[source]
    report.purged = {source: len(items) for source, items in due.items()}
    ended = _research_projects_ended(today)
    report.keys_destroyed = [p.code for p in ended]
    if dry_run:
        return report
    report.agreements_expired = [agreements.label(a) for a in
                                 agreements.expire_lapsed(now=_start_of(today), actor=actor)]
    now = timezone.now()
    with transaction.atomic():
        for source, items in due.items():
            PurgedRecord.objects.bulk_create([
                PurgedRecord(source=source, record_id=record_id, agreement_id=agreement_id, due_on=due_on,
                             purged_at=now) for record_id, agreement_id, due_on in items
            ])
            audit.record(actor=actor, action="retention.purge", target=f"dataset:{source}", outcome="purged",
                         agreement=items[0][1], details={"records": len(items), "today": today})
    _write_purge_list(warehouse.root / PURGE_LIST)
    if due:
        report.snapshots_deleted = _delete_old_snapshots(warehouse, actor)
    for project in ended:
        pseudonymise.destroy_project_key(project.code, actor=actor)
    return report


def _start_of(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


def _due_records(config: ProjectConfig, con, today: date, report: RetentionReport):
    """Yield (source, record_id, due_on, agreement_id) for every record past retention."""
    latest = _latest_dates(con)
    dobs = dict(con.execute("SELECT person_id, dob FROM persons WHERE dob IS NOT NULL").fetchall())
    records = con.execute("SELECT source, record_id, person_id FROM source_records").fetchall()
    rules: dict[str, RetentionRule | None] = {}
    for source, record_id, person_id in records:
        if source not in rules:
            rules[source] = rule_for(config, source)
            if rules[source] is None:
                report.left_alone[source] = "no agreement with a retention rule covers this source"
        rule = rules[source]
        if rule is None:
            continue
        due_on = rule.due(dob=dobs.get(person_id), latest=latest.get((source, record_id)))
        if due_on is not None and due_on <= today:
            yield source, record_id, due_on, rule.agreement_id


def _latest_dates(con) -> dict[tuple[str, str], date]:
    """The latest date in each source record's facts (what ``record_date`` retention counts from)."""
    latest: dict[tuple[str, str], date] = {}
    date_columns = defaultdict(list)
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'DATE' "
        "AND table_name IN (SELECT table_name FROM information_schema.columns WHERE column_name = 'record_id')"
    ).fetchall():
        date_columns[table].append(column)
    for table, columns in date_columns.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        expression = f"greatest({quoted})" if len(columns) > 1 else quoted
        for source, record_id, value in con.execute(
            f'SELECT source, record_id, max({expression}) FROM "{table}" GROUP BY source, record_id'
        ).fetchall():
            if value is not None and value > latest.get((source, record_id), date.min):
                latest[(source, record_id)] = value
    return latest


def _write_purge_list(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "agreement", "due_on", "purged_at"])
        for p in PurgedRecord.objects.order_by("source", "record_id"):
            writer.writerow([p.source, p.record_id, p.agreement_id, p.due_on.isoformat(),
                             p.purged_at.isoformat(timespec="seconds")])
    tmp.replace(path)


def _delete_old_snapshots(warehouse, actor: str) -> list[str]:
    deleted = []
    for snapshot in warehouse.snapshots():
        if snapshot.is_current:
            continue
        snapshot.path.unlink(missing_ok=True)
        snapshot.summary_path.unlink(missing_ok=True)
        deleted.append(snapshot.snapshot_id)
    if deleted:
        audit.record(actor=actor, action="retention.snapshots", target="warehouse", outcome="deleted",
                     details={"snapshots": deleted})
    return deleted


def _research_projects_ended(today: date) -> list[ResearchProject]:
    """Projects whose agreement is over and whose retention after it has run out."""
    ended = []
    for project in ResearchProject.objects.exclude(key=""):
        stored = Agreement.objects.filter(agreement_id=project.agreement_id).order_by("-version").first()
        if stored is None or stored.agreement_id in {a.agreement_id for a in agreements.in_force(today)}:
            continue
        rule = _rule(stored)
        over = rule.due(dob=None, latest=None) if rule.basis == "agreement_end" else stored.expiry
        if over <= today:
            ended.append(project)
    return ended


def purged_records() -> set[tuple[str, str]]:
    """(source, record_id) of every purged record, for readers that must skip them."""
    return set(PurgedRecord.objects.values_list("source", "record_id"))
