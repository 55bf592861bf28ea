"""Running governance outside the web server: configure Django for a deployment.

Every governance command calls :func:`setup` with the deployment's configuration.
The control database is ``<warehouse>/control.sqlite3`` (the deployment's state
folder) unless ``KINSIGHT_DATABASE_URL`` names another; migrations are applied, so
a new deployment needs no separate install step. Inside a process where Django is
already set up (the web service, the test suite) it does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from kinsight.core.config import ProjectConfig


def setup(config: ProjectConfig | None = None, *, state_dir: Path | None = None) -> None:
    """Configure Django for this deployment's control plane and bring its schema up to date."""
    import django
    from django.apps import apps

    if apps.ready:
        return
    state = state_dir or (config.warehouse if config else Path.cwd() / ".kinsight")
    state.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinsight.web.settings")
    os.environ["KINSIGHT_STATE_DIR"] = str(state)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
