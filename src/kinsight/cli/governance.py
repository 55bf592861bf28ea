"""The governance commands: agreements, audit, sar, challenge, retention.

Each is a thin shell over :mod:`kinsight.governance`: it configures the control
plane for the deployment (:func:`kinsight.governance.runtime.setup`), calls one
service function and prints the answer. ``kinsight audit verify --file`` needs no
deployment at all, so a partner can check an export and a checkpoint offline.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kinsight.cli.app import ConfigOption, app
from kinsight.core.config import ProjectConfig, load_config
from kinsight.core.errors import KinsightError

# Piped or captured output keeps whole lines: ids in a table must never be cut short.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)

ActorOption = typer.Option(None, "--actor", help="Who is acting (default: $KINSIGHT_USER or your login).")


def _actor(actor: str | None) -> str:
    return actor or os.environ.get("KINSIGHT_USER") or getpass.getuser()


def _deployment(config: Path) -> ProjectConfig:
    from kinsight.governance import runtime

    project = load_config(config)
    runtime.setup(project)
    return project


def _group(name: str, help: str) -> typer.Typer:
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def _exit_unless_intact(result) -> None:
    if result.intact:
        console.print(result.describe())
        return
    Console(stderr=True).print(f"[bold red]{result.describe()}[/]", highlight=False)
    raise typer.Exit(1)


# ----------------------------------------------------------------------------- agreements

agreements_app = _group("agreements", "Data sharing agreements: list, show, load, activate, suspend.")


@agreements_app.command("list")
def agreements_list(config: Path = ConfigOption) -> None:
    """The register of agreements: every version, its status and dates."""
    _deployment(config)
    from django.utils import timezone

    from kinsight.governance import agreements

    table = Table("agreement", "version", "status", "start", "review", "expiry", "title")
    for a in agreements.register(timezone.localdate()):
        review = f"{a.review} (due)" if a.review_due else str(a.review)
        table.add_row(a.agreement_id, str(a.version), a.status, str(a.start), review, str(a.expiry), a.title)
    console.print(table)


@agreements_app.command("show")
def agreements_show(agreement_id: str, version: int = typer.Option(None, help="A version (default: newest)."),
                    config: Path = ConfigOption) -> None:
    """Print one agreement as YAML."""
    _deployment(config)
    import yaml

    from kinsight.governance import agreements

    stored = agreements.get(agreement_id, version)
    console.print(f"# {agreements.label(stored)}: {stored.status}")
    console.print(yaml.safe_dump(stored.document, sort_keys=False, allow_unicode=True), markup=False)


@agreements_app.command("load")
def agreements_load(
    files: list[Path] = typer.Argument(None, help="Agreement YAML files."),
    template: list[str] = typer.Option(None, "--template", help="A starter template by id (repeatable)."),
    all_templates: bool = typer.Option(False, "--all-templates", help="Load every starter template."),
    config: Path = ConfigOption,
    actor: str = ActorOption,
) -> None:
    """Load agreements as draft versions (activate them once signed)."""
    _deployment(config)
    from kinsight.governance import agreements

    names = list(agreements.TEMPLATES) if all_templates else list(template or [])
    if not files and not names:
        raise KinsightError("name agreement files, --template ID or --all-templates")
    loaded = [agreements.load_file(f, actor=_actor(actor)) for f in files or []]
    loaded += [agreements.load_template(n, actor=_actor(actor)) for n in names]
    for stored in loaded:
        console.print(f"loaded {agreements.label(stored)} ({stored.status})")


def _transition(agreement_id: str, status: str, version: int | None, reason: str, config: Path,
                actor: str | None) -> None:
    _deployment(config)
    from kinsight.governance import agreements

    stored = agreements.transition(agreement_id, status, actor=_actor(actor), version=version, reason=reason)
    console.print(f"{agreements.label(stored)} is now {stored.status}")


@agreements_app.command("activate")
def agreements_activate(agreement_id: str, version: int = typer.Option(None), reason: str = "",
                        config: Path = ConfigOption, actor: str = ActorOption) -> None:
    """Put an agreement in force (retiring any other active version of it)."""
    _transition(agreement_id, "active", version, reason, config, actor)


@agreements_app.command("suspend")
def agreements_suspend(agreement_id: str, reason: str = typer.Option(..., help="Why it is suspended."),
                       version: int = typer.Option(None), config: Path = ConfigOption,
                       actor: str = ActorOption) -> None:
    """Stop all sharing under an agreement until it is activated again."""
    _transition(agreement_id, "suspended", version, reason, config, actor)


# ----------------------------------------------------------------------------- audit

audit_app = _group("audit", "The tamper-evident audit log: verify, export, checkpoint.")


@audit_app.command("verify")
def audit_verify(
    file: Path = typer.Option(None, "--file", help="Check an export (JSON lines) instead of the live log."),
    checkpoint: Path = typer.Option(None, "--checkpoint", help="Also check against a signed checkpoint file."),
    public_key: Path = typer.Option(None, "--public-key", help="The deployment's public key file (.pub)."),
    config: Path = ConfigOption,
) -> None:
    """Exit 0 if the log is intact; otherwise exit 1 naming the first broken entry."""
    from kinsight.governance import chain

    if (checkpoint is None) != (public_key is None):
        raise KinsightError("--checkpoint and --public-key go together")
    if file is not None:
        entries = chain.read_export(file)
        if checkpoint is not None:
            document = _read_json(checkpoint)
            key = public_key.read_text(encoding="ascii") if public_key.is_file() else ""
            _exit_unless_intact(chain.verify_checkpoint(document, key, entries))
            console.print(f"checkpoint {document['seq']} signature good and present in the export")
            return
        _exit_unless_intact(chain.verify_entries(entries))
        return
    if checkpoint is not None:
        raise KinsightError("checking a checkpoint needs --file (an export to check it against)")
    _deployment(config)
    from kinsight.governance import audit

    _exit_unless_intact(audit.verify())


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KinsightError(f"{path}: not a readable checkpoint file ({exc})") from None


@audit_app.command("export")
def audit_export(out: Path = typer.Option(..., "--out", help="The JSON lines file to write."),
                 config: Path = ConfigOption) -> None:
    """Write the whole log, one entry a line, with each hash and previous hash."""
    _deployment(config)
    from kinsight.governance import audit

    console.print(f"wrote {audit.export(out)} entries to {out}")


@audit_app.command("checkpoint")
def audit_checkpoint(out: Path = typer.Option(None, "--out", help="Also write the checkpoint to this file."),
                     config: Path = ConfigOption, actor: str = ActorOption) -> None:
    """Sign the log's current head with the deployment's Ed25519 key (give partners the file)."""
    _deployment(config)
    from kinsight.governance import audit

    document = audit.checkpoint(actor=_actor(actor), out=out)
    console.print(f"signed checkpoint at entry {document['seq']} ({document['hash'][:16]}…); "
                  f"public key {audit.keys_dir() / audit.PUBLIC_KEY_FILE}")


# ----------------------------------------------------------------------------- subject access


@app.command("sar")
def sar(
    person_ref: str = typer.Argument(..., help="A person_id, or SOURCE:RECORD_ID of any of their records."),
    out: Path = typer.Option(..., "--out", help="Folder for sar.json and sar.html."),
    requester: str = typer.Option(None, "--requester-person-id",
                                  help="The requester's own person_id, when they are a parent in the records."),
    config: Path = ConfigOption,
    actor: str = ActorOption,
) -> None:
    """Make a subject access pack: everything held, where from, who used it, links and why."""
    project = _deployment(config)
    from kinsight.governance import sar as subject_access

    pack = subject_access.subject_access(project, person_ref, actor=_actor(actor),
                                         requester_person_id=requester)
    files = subject_access.write_pack(pack, out)
    console.print(f"{len(pack['records'])} records about {pack['subject']['person_id']}: "
                  f"{files.json} and {files.html}")


# ----------------------------------------------------------------------------- challenge

challenge_app = _group("challenge", "Challenges to links and facts: raise, list, resolve.")


@challenge_app.command("raise")
def challenge_raise(
    person_id: str = typer.Argument(..., help="The person the challenge is about."),
    record: str = typer.Option(..., "--record", help="SOURCE:RECORD_ID of the record disputed."),
    statement: str = typer.Option(..., "--statement", help="What the person says is wrong."),
    raised_by: str = typer.Option("the child or young person", "--raised-by"),
    other: str = typer.Option(None, "--other", help="For a link: SOURCE:RECORD_ID of the other record."),
    field: str = typer.Option(None, "--field", help="For a fact: the field that is wrong."),
    value: str = typer.Option("", "--value", help="For a fact: what it should say."),
    config: Path = ConfigOption,
    actor: str = ActorOption,
) -> None:
    """Open a challenge about a link (--other) or a fact (--field)."""
    _deployment(config)
    from kinsight.governance import challenge

    source, record_id = _record_ref(record)
    other_source, other_record_id = _record_ref(other) if other else ("", "")
    opened = challenge.raise_challenge(
        person_id=person_id, kind="link" if other else "fact", raised_by=raised_by, statement=statement,
        source=source, record_id=record_id, other_source=other_source, other_record_id=other_record_id,
        field=field or "", proposed_value=value, actor=_actor(actor))
    console.print(f"opened {opened.reference} ({opened.kind})")


def _record_ref(ref: str) -> tuple[str, str]:
    source, sep, record_id = ref.partition(":")
    if not sep or not source or not record_id:
        raise KinsightError(f"{ref!r}: name a record as SOURCE:RECORD_ID")
    return source, record_id


@challenge_app.command("list")
def challenge_list(config: Path = ConfigOption) -> None:
    """The DPO's queue of open challenges."""
    _deployment(config)
    from kinsight.governance import challenge

    table = Table("reference", "person", "kind", "raised", "record", "other / field")
    for c in challenge.open_challenges():
        table.add_row(c.reference, c.person_id, c.kind, c.raised_at.date().isoformat(),
                      f"{c.source}:{c.record_id}", f"{c.other_source}:{c.other_record_id}" if c.kind == "link"
                      else c.field)
    console.print(table)


@challenge_app.command("resolve")
def challenge_resolve(
    reference: str,
    decision: str = typer.Option(..., "--decision", help="unlink, rectify or reject."),
    reason: str = typer.Option(..., "--reason", help="The reasons the person will be given."),
    value: str = typer.Option(None, "--value", help="For rectify: the corrected value (default: as proposed)."),
    config: Path = ConfigOption,
    actor: str = ActorOption,
) -> None:
    """Decide a challenge as the data protection officer."""
    project = _deployment(config)
    from kinsight.governance import challenge

    decided = challenge.resolve(reference, decision=decision, resolver=_actor(actor), resolver_role="dpo",
                                reason=reason, warehouse=project.warehouse, corrected_value=value)
    console.print(f"{decided.reference}: {decided.status}")


# ----------------------------------------------------------------------------- retention

retention_app = _group("retention", "Retention: purge what is past its agreement's retention.")


@retention_app.command("run")
def retention_run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be purged."),
    today: str = typer.Option(None, "--today", help="Run as of this date (YYYY-MM-DD); default today."),
    config: Path = ConfigOption,
    actor: str = ActorOption,
) -> None:
    """Purge records past retention (run daily); every purge is audited."""
    project = _deployment(config)
    from kinsight.governance import retention

    try:
        as_of = date.fromisoformat(today) if today else None
    except ValueError:
        raise KinsightError(f"--today {today!r} is not a date (YYYY-MM-DD)") from None
    report = retention.run(project, actor=_actor(actor), today=as_of, dry_run=dry_run)
    verb = "would purge" if report.dry_run else "purged"
    for source, count in sorted(report.purged.items()):
        console.print(f"{verb} {count} record(s) from {source}")
    if not report.purged:
        console.print(f"nothing is past retention on {report.today}")
    for source, why in sorted(report.left_alone.items()):
        console.print(f"left {source} alone: {why}")
    for label in report.agreements_expired:
        console.print(f"{label} passed its expiry date: now expired")
    for code in report.keys_destroyed:
        console.print(f"{'would destroy' if report.dry_run else 'destroyed'} the key of research project {code}")
    if report.snapshots_deleted:
        console.print(f"deleted {len(report.snapshots_deleted)} older snapshot(s)")
