"""The kinsight link commands."""

from kinsight.cli.app import app  # noqa: F401
