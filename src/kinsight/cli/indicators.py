"""The kinsight indicators commands."""

from kinsight.cli.app import app  # noqa: F401
