"""Serving a deployment: prepare the control plane, create demo users, run waitress.

``kinsight serve`` is a thin shell over this module. The control-plane database and the
session secret live in the deployment's state folder (its warehouse folder);
the warehouse snapshot is opened read-only per request through ``kinsight.store``.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

from kinsight.core.config import ProjectConfig, load_config
from kinsight.governance import runtime


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role_name: str


def configure(config_path: Path, host: str) -> ProjectConfig:
    """Point Django at this deployment (before Django is set up) and migrate the control plane."""
    config = load_config(config_path)
    # The deployment's state folder is its warehouse folder, as governance's runtime has it.
    config.warehouse.mkdir(parents=True, exist_ok=True)
    os.environ["KINSIGHT_CONFIG"] = str(config.path)
    os.environ.setdefault("KINSIGHT_SECRET_KEY", _secret_key(config.warehouse))
    if _is_loopback(host):
        # Plain http on this machine only: browsers would drop Secure cookies from 127.0.0.1
        # in some set-ups. Anywhere else, put TLS in front and cookies stay Secure.
        os.environ.setdefault("KINSIGHT_INSECURE_COOKIES", "1")
    runtime.setup(config)
    return config


def _secret_key(state: Path) -> str:
    """The session-signing secret, made once per deployment and kept in its state folder."""
    path = state / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def create_demo_users(config: ProjectConfig) -> list[DemoUser]:
    """One account per role with a known password, for the synthetic demonstration only.

    So that every journey works at once, the starter agreements are loaded and activated if
    none are, each practitioner is given a caseload of children from the current snapshot, and
    the child or parent account is connected to a child with records in several services.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from kinsight.governance import agreements
    from kinsight.governance.models import Agreement, Relationship
    from kinsight.web.accounts.models import Account
    from kinsight.web.roles import roles

    children = _demo_children(config)
    users = []
    with transaction.atomic():
        if not Agreement.objects.exists():
            for name in agreements.TEMPLATES:
                agreements.load_template(name, actor="kinsight-demo")
                agreements.transition(name, "active", actor="kinsight-demo", reason="demonstration")
        for role in roles().values():
            password = f"demo-{role.key.replace('_', '-')}"
            user, _ = get_user_model().objects.get_or_create(username=role.key)
            user.set_password(password)
            user.save()
            organisation = "health" if role.key == "partner" else "la"
            person_id = children[0] if role.key == "family" and children else ""
            Account.objects.update_or_create(user=user, defaults={
                "role": role.key, "role_source": Account.RoleSource.ADMINISTRATOR,
                "organisation": organisation, "person_id": person_id,
            })
            if role.kind == "practitioner" or role.key == "partner":
                for person in children[1:11]:
                    Relationship.objects.get_or_create(user=role.key, person_id=person,
                                                       defaults={"start": date(2020, 1, 1)})
            users.append(DemoUser(role.key, password, role.name))
    return users


def _demo_children(config: ProjectConfig) -> list[str]:
    """Children with records in the most services, best first (none before the first run)."""
    from kinsight.core.errors import KinsightError
    from kinsight.store import open_snapshot

    try:
        con = open_snapshot(config)
    except KinsightError:
        return []
    try:
        rows = con.execute(
            "SELECT person_id FROM source_records WHERE person_id IS NOT NULL GROUP BY person_id "
            "ORDER BY count(DISTINCT source) DESC, person_id LIMIT 11"
        ).fetchall()
    finally:
        con.close()
    return [person_id for (person_id,) in rows]


def serve(host: str, port: int, threads: int = 8) -> None:
    """Serve the configured Django application with waitress until interrupted."""
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    waitress_serve(get_wsgi_application(), host=host, port=port, threads=threads, ident="Kinsight")
