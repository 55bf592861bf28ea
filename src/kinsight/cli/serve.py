"""``kinsight serve``: the web service on a deployment."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kinsight.cli.app import ConfigOption, app


@app.command()
def serve(
    config: Path = ConfigOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    demo_users: bool = typer.Option(
        False, "--demo-users", help="Create a demo user for each role with a known password."
    ),
) -> None:
    """Serve the web service for the deployment in --config."""
    from kinsight.web import server

    deployment = server.configure(config, host)
    console = Console()
    url = f"http://{host}:{port}/"
    if demo_users:
        table = Table(title="Demo users (synthetic data only; each password is shown once here)")
        for column in ("username", "password", "role"):
            table.add_column(column)
        for user in server.create_demo_users(deployment):
            table.add_row(user.username, user.password, user.role_name)
        console.print(table)
        console.print("Sign in with any username and password above; each shows that audience's pages.")
    console.print(f"Kinsight is running at {url} — open it in a browser and sign in. Press Ctrl+C to stop.")
    server.serve(host, port)
