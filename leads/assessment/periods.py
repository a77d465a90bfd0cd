"""Reporting periods: a quarter (``2026-Q3``), a month (``2026-07``) or a year (``2026``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


class PeriodError(ValueError):
    """A period written in none of the accepted forms."""


@dataclass(frozen=True)
class Period:
    label: str
    start: date  # first day
    end: date  # first day after the period

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if "-Q" in self.label:
            year, q = int(self.label[:4]), int(self.label[-1])
            return parse_period(f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}")
        if len(self.label) == 7:
            year, month = int(self.label[:4]), int(self.label[5:])
            return parse_period(f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}")
        return parse_period(str(int(self.label) - 1))

    @property
    def fiscal_year(self) -> int:
        """The federal fiscal year of the period's last day (it starts on 1 October)."""
        last = date.fromordinal(self.end.toordinal() - 1)
        return last.year + 1 if last.month >= 10 else last.year


def _month_after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str) -> Period:
    value = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        year, q = int(m[1]), int(m[2])
        return Period(value, date(year, 3 * q - 2, 1), _month_after(year, 3 * q))
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value):
        year, month = int(m[1]), int(m[2])
        return Period(value, date(year, month, 1), _month_after(year, month))
    if m := re.fullmatch(r"(\d{4})", value):
        return Period(value, date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1))
    raise PeriodError(f"period {text!r} is not a quarter (2026-Q3), a month (2026-07) or a year")


def month_of(day: date) -> Period:
    return parse_period(f"{day.year}-{day.month:02d}")
