"""The kinsight pipeline commands."""

from kinsight.cli.app import app  # noqa: F401
