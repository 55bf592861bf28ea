"""The kinsight validate commands."""

from kinsight.cli.app import app  # noqa: F401
