"""The kinsight governance commands."""

from kinsight.cli.app import app  # noqa: F401
