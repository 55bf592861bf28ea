"""The kinsight serve commands."""

from kinsight.cli.app import app  # noqa: F401
