"""The working-day calendar against the real England and Wales bank holidays of 2026-27."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.errors import CaseflowError
from states.working_days import (
    BANK_HOLIDAY_COVERAGE,
    CalendarCoverageError,
    ClosureDayInvalid,
    WorkingDayCalendar,
    YearlyClosure,
)

ENGLAND = WorkingDayCalendar.england()
CLOSED_28_TO_31_DECEMBER = WorkingDayCalendar.england([YearlyClosure.parse("12-28..12-31")])

# Published England and Wales bank holidays, with their weekdays as the government lists them.
BANK_HOLIDAYS_2026_27 = {
    date(2026, 12, 25): "Fri",  # Christmas Day
    date(2026, 12, 28): "Mon",  # Boxing Day (substitute day: 26 December is a Saturday)
    date(2027, 1, 1): "Fri",  # New Year's Day
    date(2027, 3, 26): "Fri",  # Good Friday
    date(2027, 3, 29): "Mon",  # Easter Monday
    date(2027, 5, 3): "Mon",  # Early May bank holiday
    date(2027, 5, 31): "Mon",  # Spring bank holiday
}


@pytest.mark.parametrize("holiday", sorted(BANK_HOLIDAYS_2026_27))
def test_each_bank_holiday_of_2026_27_is_a_weekday_that_is_not_a_working_day(holiday: date) -> None:
    assert holiday.strftime("%a") == BANK_HOLIDAYS_2026_27[holiday]
    assert not ENGLAND.is_working_day(holiday)


def test_the_weekdays_around_the_bank_holidays_are_working_days() -> None:
    # hand-checked: the ordinary weekdays either side of each bank holiday above
    for day in (
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2027, 3, 25),
        date(2027, 3, 30),
        date(2027, 4, 30),
        date(2027, 5, 4),
        date(2027, 5, 28),
        date(2027, 6, 1),
    ):
        assert ENGLAND.is_working_day(day), day


def test_weekends_are_not_working_days() -> None:
    assert not ENGLAND.is_working_day(date(2026, 12, 26))  # Saturday (Boxing Day itself)
    assert not ENGLAND.is_working_day(date(2027, 1, 3))  # Sunday


def test_adding_working_days_across_christmas_skips_christmas_and_the_boxing_day_substitute() -> None:
    # hand-checked: Thu 2026-12-24 + 3 WD: Fri 25 and Mon 28 are bank holidays -> Tue 29, Wed 30, Thu 2026-12-31
    assert ENGLAND.add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)


def test_adding_a_working_day_across_new_year_skips_new_years_day_and_the_weekend() -> None:
    # hand-checked: Thu 2026-12-31 + 1 WD: Fri 1 Jan bank holiday, Sat 2, Sun 3 -> Mon 2027-01-04
    assert ENGLAND.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_subtracting_working_days_across_new_year() -> None:
    # hand-checked: Mon 2027-01-04 - 2 WD: Sun 3, Sat 2, Fri 1 (bank holiday) skipped -> Thu 31 (1), Wed 2026-12-30 (2)
    assert ENGLAND.subtract_working_days(date(2027, 1, 4), 2) == date(2026, 12, 30)


def test_adding_a_working_day_across_easter_2027_skips_good_friday_and_easter_monday() -> None:
    # hand-checked: Thu 2027-03-25 + 1 WD: Fri 26 Good Friday, Sat, Sun, Mon 29 Easter Monday -> Tue 2027-03-30
    assert ENGLAND.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_subtracting_a_working_day_across_easter_2027() -> None:
    # hand-checked: Tue 2027-03-30 - 1 WD: Mon 29 Easter Monday, Sun, Sat, Fri 26 Good Friday -> Thu 2027-03-25
    assert ENGLAND.subtract_working_days(date(2027, 3, 30), 1) == date(2027, 3, 25)


def test_adding_a_working_day_across_the_early_may_bank_holiday_2027() -> None:
    # hand-checked: Fri 2027-04-30 + 1 WD: Sat 1, Sun 2, Mon 3 May bank holiday -> Tue 2027-05-04
    assert ENGLAND.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 4)


def test_subtracting_a_working_day_across_the_spring_bank_holiday_2027() -> None:
    # hand-checked: Tue 2027-06-01 - 1 WD: Mon 31 May bank holiday, Sun 30, Sat 29 -> Fri 2027-05-28
    assert ENGLAND.subtract_working_days(date(2027, 6, 1), 1) == date(2027, 5, 28)


def test_adding_zero_working_days_gives_the_day_itself_even_on_a_holiday() -> None:
    # hand-checked: day 0 is the anchor; Fri 2026-12-25 is Christmas Day
    assert ENGLAND.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


def test_a_negative_count_counts_the_other_way() -> None:
    # hand-checked: Thu 2026-12-24 - (-3) WD is the same as + 3 WD -> Thu 2026-12-31 (see above)
    assert ENGLAND.subtract_working_days(date(2026, 12, 24), -3) == date(2026, 12, 31)
    # hand-checked: Tue 2027-06-01 + (-1) WD is the same as - 1 WD -> Fri 2027-05-28
    assert ENGLAND.add_working_days(date(2027, 6, 1), -1) == date(2027, 5, 28)


def test_working_days_between_counts_days_after_the_start_up_to_and_including_the_end() -> None:
    # hand-checked: after Thu 2026-12-24 up to Mon 2027-01-04: Tue 29, Wed 30, Thu 31, Mon 4 -> 4
    assert ENGLAND.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4
    assert ENGLAND.working_days_between(date(2027, 1, 4), date(2026, 12, 24)) == -4
    assert ENGLAND.working_days_between(date(2027, 3, 25), date(2027, 3, 25)) == 0
    # hand-checked: after Thu 2027-03-25 up to Mon 2027-03-29: Fri 26 and Mon 29 are bank holidays -> 0
    assert ENGLAND.working_days_between(date(2027, 3, 25), date(2027, 3, 29)) == 0


def test_next_and_previous_working_day_are_strictly_after_and_before() -> None:
    # hand-checked: after Thu 2026-12-24 come Fri 25 and Mon 28 (bank holidays) -> Tue 2026-12-29
    assert ENGLAND.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert ENGLAND.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)
    # hand-checked: before Tue 2027-05-04 come Mon 3 (bank holiday), Sun, Sat -> Fri 2027-04-30
    assert ENGLAND.previous_working_day(date(2027, 5, 4)) == date(2027, 4, 30)


def test_on_or_before_keeps_a_working_day_and_moves_a_holiday_back() -> None:
    assert ENGLAND.on_or_before(date(2026, 12, 29)) == date(2026, 12, 29)
    # hand-checked: Sat 2026-12-26 -> Fri 25 bank holiday -> Thu 2026-12-24
    assert ENGLAND.on_or_before(date(2026, 12, 26)) == date(2026, 12, 24)


def test_on_or_after_keeps_a_working_day_and_moves_a_holiday_forward() -> None:
    assert ENGLAND.on_or_after(date(2027, 1, 4)) == date(2027, 1, 4)
    # hand-checked: Fri 2027-01-01 bank holiday, Sat 2, Sun 3 -> Mon 2027-01-04
    assert ENGLAND.on_or_after(date(2027, 1, 1)) == date(2027, 1, 4)


def test_a_yearly_closure_of_28_to_31_december_is_not_working() -> None:
    assert ENGLAND.is_working_day(date(2026, 12, 29))
    assert not CLOSED_28_TO_31_DECEMBER.is_working_day(date(2026, 12, 29))
    assert not CLOSED_28_TO_31_DECEMBER.is_working_day(date(2027, 12, 31))  # every year
    assert CLOSED_28_TO_31_DECEMBER.is_working_day(date(2027, 1, 4))


def test_adding_working_days_across_christmas_with_the_authority_closed_28_to_31_december() -> None:
    # hand-checked: Thu 2026-12-24 + 3 WD: Fri 25 BH, Mon 28 BH, Tue 29-Thu 31 closed, Fri 1 Jan BH
    # -> Mon 4 (1), Tue 5 (2), Wed 2027-01-06 (3)
    assert CLOSED_28_TO_31_DECEMBER.add_working_days(date(2026, 12, 24), 3) == date(2027, 1, 6)
    # hand-checked: working days after Thu 2026-12-24 up to Mon 2027-01-04: only Mon 4 -> 1
    assert CLOSED_28_TO_31_DECEMBER.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 1


def test_a_single_closure_date_is_not_working_that_year_only() -> None:
    calendar = WorkingDayCalendar.england([date(2027, 3, 25)])
    # hand-checked: Wed 2027-03-24 + 1 WD: Thu 25 closed, Fri 26 Good Friday, Mon 29 Easter Monday -> Tue 2027-03-30
    assert calendar.add_working_days(date(2027, 3, 24), 1) == date(2027, 3, 30)
    assert calendar.is_working_day(date(2026, 3, 25))


def test_a_yearly_closure_may_run_across_the_new_year() -> None:
    calendar = WorkingDayCalendar.england([YearlyClosure.parse("12-24..01-02")])
    # hand-checked: Wed 2026-12-23 + 1 WD: Thu 24 to Sat 2 Jan closed, Sun 3 -> Mon 2027-01-04
    assert calendar.add_working_days(date(2026, 12, 23), 1) == date(2027, 1, 4)
    assert calendar.is_working_day(date(2027, 6, 1))


def test_a_yearly_closure_reads_and_prints_as_month_day_ranges() -> None:
    assert str(YearlyClosure.parse("12-28..12-31")) == "12-28..12-31"
    assert str(YearlyClosure.parse("02-29")) == "02-29"


@pytest.mark.parametrize("text", ["13-01..12-31", "12-32", "christmas", "12-28..", "2026-12-28..2026-12-31"])
def test_a_malformed_yearly_closure_is_refused_with_the_text_and_the_expected_form(text: str) -> None:
    with pytest.raises(ClosureDayInvalid, match="expected a date") as raised:
        YearlyClosure.parse(text)
    assert repr(text) in str(raised.value)


def test_the_coverage_is_the_declared_range_of_the_bank_holiday_rules() -> None:
    assert (date(1872, 1, 1), date(2100, 12, 31)) == BANK_HOLIDAY_COVERAGE


@pytest.mark.parametrize("outside", [date(1871, 12, 31), date(2101, 1, 3)])
def test_a_date_outside_the_coverage_raises_a_clear_error_instead_of_guessing(outside: date) -> None:
    with pytest.raises(CalendarCoverageError, match=f"date {outside.isoformat()} is outside"):
        ENGLAND.is_working_day(outside)
    assert issubclass(CalendarCoverageError, CaseflowError)


def test_counting_past_the_end_of_the_coverage_raises() -> None:
    with pytest.raises(CalendarCoverageError, match=r"2101-01-01 is outside .*2100-12-31"):
        ENGLAND.next_working_day(date(2100, 12, 31))
    with pytest.raises(CalendarCoverageError):
        ENGLAND.working_days_between(date(2100, 12, 1), date(2101, 1, 5))


def test_adding_then_counting_gives_back_the_count_on_every_start_day_of_winter_and_spring_2027() -> None:
    calendars = (ENGLAND, CLOSED_28_TO_31_DECEMBER)
    starts = [date(2026, 12, 1) + timedelta(days=offset) for offset in range(200)]
    for calendar in calendars:
        for start in starts:
            for n in (1, 2, 5, 15):
                due = calendar.add_working_days(start, n)
                assert calendar.is_working_day(due)
                assert calendar.working_days_between(start, due) == n
                assert calendar.working_days_between(start, due - timedelta(days=1)) == n - 1
                before = calendar.subtract_working_days(start, n)
                assert calendar.working_days_between(before, start) == n - (not calendar.is_working_day(start))
