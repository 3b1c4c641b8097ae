"""Timescales and the named counting conventions that turn one into a due date."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from states.working_days import WorkingDayCalendar

__all__ = [
    "Conventions",
    "Direction",
    "MonthCounting",
    "NonWorkingDueDate",
    "TimeUnit",
    "Timescale",
    "WorkingDaysAfter",
    "WorkingDaysBefore",
    "add_calendar_months",
    "fixed_days_for_months",
]

IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class TimeUnit(StrEnum):
    """What a timescale's amount counts."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WEEKS = "weeks"
    CALENDAR_MONTHS = "calendar_months"


class Direction(StrEnum):
    """Whether the due date lies after its anchor ("within N of X") or before it ("N before the meeting")."""

    AFTER = "after"
    BEFORE = "before"


class WorkingDaysAfter(StrEnum):
    """How "within N working days of X" is counted."""

    X_IS_DAY_0 = "x_is_day_0"  # the Nth working day after X
    X_IS_DAY_1 = "x_is_day_1"  # X is the first day when it is a working day


class WorkingDaysBefore(StrEnum):
    """How "N working days before a meeting" is counted."""

    NTH_WORKING_DAY_BEFORE = "nth_working_day_before"
    CLEAR_WORKING_DAYS = "clear_working_days"  # N whole working days between the due date and the meeting


class MonthCounting(StrEnum):
    """How a month is counted."""

    CALENDAR = "calendar"  # same day of the month, clamped to the month's end
    FIXED_DAYS = "fixed_days"  # N x 365.25 / 12 days, rounded: 3 months = 91 days, 6 months = 183 days


class NonWorkingDueDate(StrEnum):
    """Where a due date counted in calendar days, weeks or months moves when it lands on a non-working day."""

    PREVIOUS_WORKING_DAY = "previous_working_day"
    NEXT_WORKING_DAY = "next_working_day"


class Conventions(BaseModel):
    """The named counting conventions of one policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    working_days_after: WorkingDaysAfter = WorkingDaysAfter.X_IS_DAY_0
    working_days_before: WorkingDaysBefore = WorkingDaysBefore.NTH_WORKING_DAY_BEFORE
    months: MonthCounting = MonthCounting.CALENDAR
    non_working_due_date: NonWorkingDueDate = NonWorkingDueDate.PREVIOUS_WORKING_DAY


def add_calendar_months(day: date, months: int) -> date:
    """The same day of the month `months` later (earlier if negative), clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last_day = month_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def fixed_days_for_months(months: int) -> int:
    """Days in `months` months of 365.25 / 12 days each, rounded half up (3 -> 91, 6 -> 183, 24 -> 731)."""
    return (months * 1461 + 24) // 48


class Timescale(BaseModel):
    """One rule: an amount of a unit, after or before the fact it counts from, and where the rule comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int = Field(gt=0, le=1000, description="How many units.")
    unit: TimeUnit
    direction: Direction
    counts_from: str = Field(pattern=IDENTIFIER, description="The dated fact the count starts from.")
    source: str = Field(min_length=1, description="The guidance the rule comes from.")

    def due_date(self, anchor: date, calendar: WorkingDayCalendar, conventions: Conventions) -> date:
        """The due date counted from `anchor` under `conventions`; always a working day."""
        if self.unit is TimeUnit.WORKING_DAYS:
            return self._working_days_due(anchor, calendar, conventions)
        target = self._calendar_target(anchor, conventions)
        if conventions.non_working_due_date is NonWorkingDueDate.NEXT_WORKING_DAY:
            return calendar.on_or_after(target)
        return calendar.on_or_before(target)

    def _working_days_due(self, anchor: date, calendar: WorkingDayCalendar, conventions: Conventions) -> date:
        if self.direction is Direction.BEFORE:
            clear = conventions.working_days_before is WorkingDaysBefore.CLEAR_WORKING_DAYS
            return calendar.subtract_working_days(anchor, self.amount + 1 if clear else self.amount)
        if conventions.working_days_after is WorkingDaysAfter.X_IS_DAY_1:
            # Counting from the day before makes X the first day exactly when X is itself a working day.
            return calendar.add_working_days(anchor - timedelta(days=1), self.amount)
        return calendar.add_working_days(anchor, self.amount)

    def _calendar_target(self, anchor: date, conventions: Conventions) -> date:
        sign = 1 if self.direction is Direction.AFTER else -1
        if self.unit is TimeUnit.CALENDAR_MONTHS and conventions.months is MonthCounting.CALENDAR:
            return add_calendar_months(anchor, sign * self.amount)
        days = {
            TimeUnit.CALENDAR_DAYS: self.amount,
            TimeUnit.WEEKS: 7 * self.amount,
            TimeUnit.CALENDAR_MONTHS: fixed_days_for_months(self.amount),
        }[self.unit]
        return anchor + timedelta(days=sign * days)
