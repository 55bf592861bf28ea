"""Errors a user can cause, and how they are described.

Every error a user can cause (a bad file, a wrong column, an unknown code, an
expired agreement) is raised as a :class:`KinsightError`. The CLI turns it into
one clear line and exit code 2; the web service into a page or a 4xx response.
Nothing else should reach a user as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class KinsightError(Exception):
    """An error the user can fix; its message is shown to them as it is."""

    exit_code = 2


@dataclass
class Location:
    """Where in the input a problem was found: file, 1-based data row, field."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class UnusableInput(KinsightError):
    """Input that cannot be read at all (wrong format, missing columns, bad encoding)."""

    def __init__(self, message: str, *, file=None, row=None, field=None):
        self.location = Location(str(file) if file else None, row, field)
        where = self.location.describe()
        super().__init__(f"{where}: {message}" if where else message)
