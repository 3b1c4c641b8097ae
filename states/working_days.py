"""The working-day calendar: Monday to Friday, less England and Wales bank holidays and an authority's closures."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays
from holidays.countries.united_kingdom import UnitedKingdom
from holidays.version import __version__ as HOLIDAYS_VERSION

from states.errors import CalendarCoverageError, ClosureDayInvalid

__all__ = [
    "BANK_HOLIDAY_COVERAGE",
    "CalendarCoverageError",
    "ClosureDayInvalid",
    "WorkingDayCalendar",
    "YearlyClosure",
]

ONE_DAY = timedelta(days=1)

# The holiday rules' declared range is the coverage; outside it the calendar refuses rather than guesses.
BANK_HOLIDAY_COVERAGE: tuple[date, date] = (
    date(UnitedKingdom.start_year, 1, 1),
    date(UnitedKingdom.end_year, 12, 31),
)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


@cache
def _bank_holiday_names(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def _check_coverage(day: date) -> None:
    first, last = BANK_HOLIDAY_COVERAGE
    if not first <= day <= last:
        raise CalendarCoverageError(
            f"date {day.isoformat()} is outside the bank-holiday data's coverage "
            f"({first.isoformat()} to {last.isoformat()}, England and Wales, holidays {HOLIDAYS_VERSION})"
        )


def _month_day(text: str, whole: str) -> tuple[int, int]:
    try:
        month_text, day_text = text.strip().split("-")
        month_day = (int(month_text), int(day_text))
        date(2000, *month_day)  # a leap year, so 02-29 is a valid yearly closure
    except ValueError:
        raise ClosureDayInvalid(
            f"closure day {whole!r}: expected a date (2026-12-29) or a yearly range of month-day (12-28..12-31)"
        ) from None
    return month_day


@dataclass(frozen=True)
class YearlyClosure:
    """Closure days recurring every year: month-days from start to end inclusive, possibly across the new year."""

    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> YearlyClosure:
        """Read "12-28..12-31" (a range) or "12-24" (one day a year)."""
        first, separator, last = text.partition("..")
        start = _month_day(first, text)
        return cls(start, _month_day(last, text) if separator else start)

    def contains(self, day: date) -> bool:
        """Whether `day` falls in this closure in its year."""
        month_day = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= month_day <= self.end
        return month_day >= self.start or month_day <= self.end

    def __str__(self) -> str:
        start = f"{self.start[0]:02d}-{self.start[1]:02d}"
        end = f"{self.end[0]:02d}-{self.end[1]:02d}"
        return start if start == end else f"{start}..{end}"


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days: Monday to Friday, not a bank holiday in England and Wales, not a closure day."""

    closed_dates: frozenset[date] = frozenset()
    yearly_closures: tuple[YearlyClosure, ...] = ()

    @classmethod
    def england(cls, closure_days: Iterable[date | YearlyClosure] = ()) -> WorkingDayCalendar:
        """England and Wales bank holidays plus the authority's closure dates and yearly closures."""
        days = tuple(closure_days)
        return cls(
            closed_dates=frozenset(day for day in days if isinstance(day, date)),
            yearly_closures=tuple(day for day in days if isinstance(day, YearlyClosure)),
        )

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day; a date outside the bank-holiday coverage raises."""
        _check_coverage(day)
        return (
            day.weekday() < 5
            and day not in _bank_holidays(day.year)
            and day not in self.closed_dates
            and not any(closure.contains(day) for closure in self.yearly_closures)
        )

    def why_not_working(self, day: date) -> str | None:
        """Why `day` is not a working day (a weekend day, a bank holiday by name, a closure day); None if it is one."""
        _check_coverage(day)
        if day.weekday() >= 5:
            return f"a {day:%A}"
        if day in _bank_holidays(day.year):
            return f"a bank holiday ({_bank_holiday_names(day.year)[day]})"
        if day in self.closed_dates or any(closure.contains(day) for closure in self.yearly_closures):
            return "a closure day of the authority"
        return None

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day after `day` (`day` itself is day 0); a negative n counts back."""
        if n < 0:
            return self.subtract_working_days(day, -n)
        _check_coverage(day)
        if n == 0:
            return day
        year = day.year
        days = _working_days_of(self, year)
        position = bisect_right(days, day) + n - 1  # index of the nth working day after `day`
        while position >= len(days):
            position -= len(days)
            year += 1
            days = _working_days_of(self, year)
        return days[position]

    def subtract_working_days(self, day: date, n: int) -> date:
        """The nth working day before `day`; a negative n counts forward."""
        if n < 0:
            return self.add_working_days(day, -n)
        _check_coverage(day)
        if n == 0:
            return day
        year = day.year
        days = _working_days_of(self, year)
        position = bisect_left(days, day) - n  # index of the nth working day before `day`
        while position < 0:
            year -= 1
            days = _working_days_of(self, year)
            position += len(days)
        return days[position]

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days d have start < d <= end; negative (the count back) when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        _check_coverage(start)
        _check_coverage(end)
        count = 0
        for year in range(start.year, end.year + 1):
            days = _working_days_of(self, year)
            count += bisect_right(days, end) - bisect_right(days, start)
        return count

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        return self.subtract_working_days(day, 1)

    def on_or_before(self, day: date) -> date:
        """`day` itself if it is a working day, else the previous working day."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def on_or_after(self, day: date) -> date:
        """`day` itself if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)


@lru_cache(maxsize=4096)
def _working_days_of(calendar: WorkingDayCalendar, year: int) -> tuple[date, ...]:
    """The working days of one year, in order: counting and stepping become bisections, not day-by-day walks."""
    _check_coverage(date(year, 1, 1))
    first = date(year, 1, 1)
    days = (first + ONE_DAY * offset for offset in range((date(year + 1, 1, 1) - first).days))
    return tuple(day for day in days if calendar.is_working_day(day))
