"""Serving a deployment: prepare the control plane, create demo users, run waitress.

``kinsight serve`` is a thin shell over this module. The control-plane database and the
session secret live in the deployment's state folder (its warehouse folder);
the warehouse snapshot is opened read-only per request through ``kinsight.store``.
"""

from __future__ import annotations

import os
import secrets
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


def create_demo_users() -> list[DemoUser]:
    """One account per role with a known password, for the synthetic demonstration only."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from kinsight.web.accounts.models import Account
    from kinsight.web.roles import roles

    users = []
    with transaction.atomic():
        for role in roles().values():
            password = f"demo-{role.key}-password"
            user, _ = get_user_model().objects.get_or_create(username=role.key)
            user.set_password(password)
            user.save()
            Account.objects.update_or_create(
                user=user, defaults={"role": role.key, "role_source": Account.RoleSource.ADMINISTRATOR}
            )
            users.append(DemoUser(role.key, password, role.name))
    return users


def serve(host: str, port: int, threads: int = 8) -> None:
    """Serve the configured Django application with waitress until interrupted."""
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    waitress_serve(get_wsgi_application(), host=host, port=port, threads=threads, ident="Kinsight")
