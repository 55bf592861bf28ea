"""The kinsight synth commands."""

from kinsight.cli.app import app  # noqa: F401
