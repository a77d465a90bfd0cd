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
    def last_complete_fiscal_year(self) -> int:
        """The latest federal fiscal year (1 October to 30 September) that ended by the
        period's end: DOL's disclosure files of a year still running are partial."""
        return self.end.year if self.end.month >= 10 else self.end.year - 1


def month_after(year: int, month: int) -> date:
    """The first day of the month after ``year``-``month``."""
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str) -> Period:
    value = text.strip().upper()
    first = value[:4]
    if first.isdigit() and not 1900 <= int(first) <= 2100:
        raise PeriodError(f"period {text!r} is not a year Lantern can hold data for (1900 to 2100)")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        year, q = int(m[1]), int(m[2])
        return Period(value, date(year, 3 * q - 2, 1), month_after(year, 3 * q))
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value):
        year, month = int(m[1]), int(m[2])
        return Period(value, date(year, month, 1), month_after(year, month))
    if m := re.fullmatch(r"(\d{4})", value):
        return Period(value, date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1))
    raise PeriodError(f"period {text!r} is not a quarter (2026-Q3), a month (2026-07) or a year")


def month_of(day: date) -> Period:
    return parse_period(f"{day.year}-{day.month:02d}")


def months(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    out: list[date] = []
    m = date(first.year, first.month, 1)
    while m <= last:
        out.append(m)
        m = month_after(m.year, m.month)
    return out


def bins(period: Period) -> list[tuple[date, date]]:
    """The period cut into bins that nest across reports: a year into months, a month or
    a quarter into days 1-7, 8-14, 15-21 and 22 to the month's end. Two reports on
    overlapping periods never split one bin two ways (their difference would give back
    what one of them hides)."""
    out: list[tuple[date, date]] = []
    for first in months(period.start, date.fromordinal(period.end.toordinal() - 1)):
        after = month_after(first.year, first.month)
        if len(period.label) == 4:
            out.append((first, after))
            continue
        cuts = [first.replace(day=d) for d in (1, 8, 15, 22)] + [after]
        out += list(zip(cuts, cuts[1:], strict=False))
    return out
