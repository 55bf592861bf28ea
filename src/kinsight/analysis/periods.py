"""Reporting periods: any run of whole months, split into months, quarters or years.

DfE's returns look only at the year to 31 March. Kinsight computes the same measures for any
period (``2025-04..2026-03``, ``2026-01..2026-01``) and as monthly or quarterly series.
Quarters and years follow the financial year (Q1 = April to June), as the returns do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from kinsight.core.errors import KinsightError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
SPLITS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    """A run of whole months from ``start`` (first day) to ``end`` (last day), with a label."""

    label: str
    start: date
    end: date

    @property
    def year_start(self) -> date:
        """The first day of the 12 months ending with this period ("during the year" measures)."""
        return _add_months(self.end + timedelta(days=1), -12)

    @property
    def collection_year(self) -> int:
        """The statutory collection year (ending 31 March) that holds the period's end."""
        return self.end.year + (1 if self.end.month > 3 else 0)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def is_financial_year(self) -> bool:
        """Exactly April to March: the DfE reporting year."""
        return self.months == 12 and self.start.month == 4

    @property
    def is_financial_quarters(self) -> bool:
        return self.start.month in (4, 7, 10, 1) and self.months % 3 == 0


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _add_months(first, 1) - timedelta(days=1)


def _month(text: str, spec: str) -> date:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise KinsightError(
            f"period {spec!r}: {text!r} is not a month written YYYY-MM (e.g. 2025-04..2026-03)"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_period(spec: str) -> Period:
    """``YYYY-MM..YYYY-MM`` (both months included), or a single ``YYYY-MM``."""
    first, _, last = spec.partition("..")
    start = _month(first, spec)
    end_first = _month(last, spec) if last else start
    if end_first < start:
        raise KinsightError(f"period {spec!r}: ends before it starts")
    label = spec if last else first.strip()
    return Period(label=label, start=start, end=_month_end(end_first))


def financial_year_label(year_ending: int) -> str:
    return f"{year_ending - 1}-{str(year_ending)[2:]}"


def split(period: Period, by: str | None) -> list[Period]:
    """The period itself (``by=None``), or its months, financial quarters or financial years."""
    if by is None:
        return [period]
    if by not in SPLITS:
        raise KinsightError(f"unknown series {by!r}: choose month, quarter or year")
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    if by == "month":
        first = period.start
    else:
        # Align to the financial year: quarters start in April, July, October, January.
        offset = (period.start.month - 4) % step
        first = _add_months(period.start, -offset)
    pieces = []
    while first <= period.end:
        end = _month_end(_add_months(first, step - 1))
        pieces.append(Period(label=_label(first, by), start=first, end=end))
        first = _add_months(first, step)
    return pieces


def _label(first: date, by: str) -> str:
    if by == "month":
        return f"{first.year}-{first.month:02d}"
    fy_end = first.year + (1 if first.month >= 4 else 0)
    if by == "year":
        return financial_year_label(fy_end)
    quarter = ((first.month - 4) % 12) // 3 + 1
    return f"{financial_year_label(fy_end)} Q{quarter}"
