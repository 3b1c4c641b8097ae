"""Due dates from the policy: every counting convention, around Christmas, New Year, Easter and May 2027."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from states.policy import Policy
from states.timescales import add_calendar_months, fixed_days_for_months
from workflows.persistence import load_policy

POLICIES = Path(__file__).resolve().parents[2] / "config" / "policies"
DEFAULT = load_policy(POLICIES, "default")


def make_policy(base: Policy = DEFAULT, **changes: Any) -> Policy:
    """The base policy with top-level keys replaced, validated again."""
    return Policy.model_validate({**base.model_dump(mode="json"), **changes})


def with_conventions(**conventions: str) -> Policy:
    return make_policy(conventions={**DEFAULT.conventions.model_dump(mode="json"), **conventions})


# "within N working days of X", default x_is_day_0


def test_the_initial_conference_is_due_on_the_15th_working_day_after_the_strategy_discussion() -> None:
    # hand-checked: SD Thu 2026-12-10 is day 0; Fri 11 (1), Mon 14-Fri 18 (2-6), Mon 21-Thu 24 (7-10),
    # Fri 25 and Mon 28 bank holidays, Tue 29-Thu 31 (11-13), Fri 1 Jan bank holiday, Mon 4 (14), Tue 2027-01-05 (15)
    assert DEFAULT.due_date("hold_icpc", date(2026, 12, 10)) == date(2027, 1, 5)


def test_the_first_core_group_is_due_on_the_10th_working_day_after_an_initial_conference_before_easter() -> None:
    # hand-checked: ICPC Mon 2027-03-22 is day 0; Tue 23 (1), Wed 24 (2), Thu 25 (3), Good Friday and Easter Monday,
    # Tue 30 (4), Wed 31 (5), Thu 1 Apr (6), Fri 2 (7), Mon 5 (8), Tue 6 (9), Wed 2027-04-07 (10)
    assert DEFAULT.due_date("hold_first_core_group", date(2027, 3, 22)) == date(2027, 4, 7)


def test_with_x_is_day_1_the_strategy_discussion_day_is_the_first_of_the_15() -> None:
    policy = with_conventions(working_days_after="x_is_day_1")
    # hand-checked: as the x_is_day_0 case but Thu 2026-12-10 is day 1, so day 15 is Mon 2027-01-04
    assert policy.due_date("hold_icpc", date(2026, 12, 10)) == date(2027, 1, 4)


def test_with_x_is_day_1_a_decision_due_within_one_working_day_is_due_the_same_day() -> None:
    policy = with_conventions(working_days_after="x_is_day_1")
    # hand-checked: referral Thu 2027-03-25 is a working day, so it is day 1 itself
    assert policy.due_date("referral_decision", date(2027, 3, 25)) == date(2027, 3, 25)
    # hand-checked: x_is_day_0: Fri 26 Good Friday, Mon 29 Easter Monday -> Tue 2027-03-30
    assert DEFAULT.due_date("referral_decision", date(2027, 3, 25)) == date(2027, 3, 30)


def test_with_x_is_day_1_an_anchor_on_a_holiday_counts_from_the_next_working_day() -> None:
    policy = with_conventions(working_days_after="x_is_day_1")
    # hand-checked: referral on Good Friday 2027-03-26 (not a working day): day 1 is the first working day after it,
    # Tue 2027-03-30 (Easter Monday skipped); x_is_day_0 gives the same day
    assert policy.due_date("referral_decision", date(2027, 3, 26)) == date(2027, 3, 30)
    assert DEFAULT.due_date("referral_decision", date(2027, 3, 26)) == date(2027, 3, 30)


# "N working days before a meeting", default nth_working_day_before


def test_reports_are_shared_on_the_2nd_working_day_before_a_conference_after_new_year() -> None:
    # hand-checked: ICPC Tue 2027-01-05; Mon 4 (1), Sun, Sat, Fri 1 Jan bank holiday, Thu 2026-12-31 (2)
    assert DEFAULT.due_date("share_reports_with_family", date(2027, 1, 5)) == date(2026, 12, 31)


def test_reports_before_a_review_skip_the_spring_bank_holiday() -> None:
    # hand-checked: review Tue 2027-06-01; Mon 31 May bank holiday, Fri 28 (1), Thu 27 (2), Wed 26 (3), Tue 25 (4),
    # Mon 2027-05-24 (5)
    assert DEFAULT.due_date("share_reports_before_review", date(2027, 6, 1)) == date(2027, 5, 24)


def test_agency_reports_before_a_conference_skip_the_early_may_bank_holiday() -> None:
    # hand-checked: conference Wed 2027-05-05; Tue 4 (1), Mon 3 bank holiday, Sun, Sat, Fri 30 Apr (2),
    # Thu 2027-04-29 (3)
    assert DEFAULT.due_date("submit_agency_reports", date(2027, 5, 5)) == date(2027, 4, 29)


def test_with_clear_working_days_the_due_date_leaves_n_whole_working_days_before_the_meeting() -> None:
    policy = with_conventions(working_days_before="clear_working_days")
    # hand-checked: ICPC Tue 2027-03-30; Mon 29 and Fri 26 bank holidays; Thu 25 (1), Wed 24 (2), Tue 2027-03-23 (3):
    # Wed 24 and Thu 25 are the two clear working days; nth_working_day_before gives Wed 2027-03-24
    assert policy.due_date("share_reports_with_family", date(2027, 3, 30)) == date(2027, 3, 23)
    assert DEFAULT.due_date("share_reports_with_family", date(2027, 3, 30)) == date(2027, 3, 24)


# calendar days, weeks and months: a due date on a non-working day moves back (default) or forward


def test_a_leaflet_due_5_days_before_falls_on_christmas_day_and_moves_back() -> None:
    # hand-checked: conference Wed 2026-12-30 - 5 days = Fri 25 (Christmas Day) -> previous working day Thu 2026-12-24
    assert DEFAULT.due_date("send_leaflet", date(2026, 12, 30)) == date(2026, 12, 24)


def test_with_next_working_day_the_leaflet_moves_forward_instead() -> None:
    policy = with_conventions(non_working_due_date="next_working_day")
    # hand-checked: Fri 2026-12-25 -> Sat, Sun, Mon 28 bank holiday -> Tue 2026-12-29
    assert policy.due_date("send_leaflet", date(2026, 12, 30)) == date(2026, 12, 29)


def test_a_four_weekly_core_group_landing_on_new_years_day_moves_back() -> None:
    # hand-checked: Fri 2026-12-04 + 28 days = Fri 2027-01-01 (bank holiday) -> Thu 2026-12-31
    assert DEFAULT.due_date("hold_core_group", date(2026, 12, 4)) == date(2026, 12, 31)


def test_a_pre_birth_conference_12_weeks_before_delivery_landing_on_easter_monday_moves_back_past_good_friday() -> None:
    # hand-checked: EDD Mon 2027-06-21 - 84 days = Mon 2027-03-29 (Easter Monday); Sun, Sat, Fri 26 Good Friday
    # -> Thu 2027-03-25
    assert DEFAULT.due_date("pre_birth_conference", date(2027, 6, 21)) == date(2027, 3, 25)


def test_calendar_months_keep_the_day_of_the_month() -> None:
    # hand-checked: Fri 2026-09-25 + 3 months = Fri 2026-12-25 (Christmas Day) -> Thu 2026-12-24
    assert DEFAULT.due_date("hold_first_review", date(2026, 9, 25)) == date(2026, 12, 24)
    # hand-checked: Mon 2027-03-01 + 3 months = Tue 2027-06-01, a working day
    assert DEFAULT.due_date("hold_first_review", date(2027, 3, 1)) == date(2027, 6, 1)


def test_calendar_months_clamp_to_the_end_of_a_shorter_month_then_move_back_from_a_weekend() -> None:
    # hand-checked: Mon 2026-11-30 + 3 months = 30 Feb, clamped to Sun 2027-02-28 -> Fri 2027-02-26
    assert DEFAULT.due_date("hold_first_review", date(2026, 11, 30)) == date(2027, 2, 26)
    # hand-checked: Mon 2027-03-29 - 1 month = 29 Feb, clamped to Sun 2027-02-28 -> Fri 2027-02-26
    assert DEFAULT.due_date("child_only_conference_planning", date(2027, 3, 29)) == date(2027, 2, 26)


def test_a_six_monthly_review_before_the_spring_bank_holiday_moves_back_or_forward_by_convention() -> None:
    # hand-checked: Mon 2026-11-30 + 6 months = Sun 2027-05-30 -> back: Sat 29 -> Fri 2027-05-28
    assert DEFAULT.due_date("hold_review", date(2026, 11, 30)) == date(2027, 5, 28)
    policy = with_conventions(non_working_due_date="next_working_day")
    # hand-checked: forward: Mon 31 May bank holiday -> Tue 2027-06-01
    assert policy.due_date("hold_review", date(2026, 11, 30)) == date(2027, 6, 1)


def test_with_fixed_day_months_three_months_is_91_days() -> None:
    policy = with_conventions(months="fixed_days")
    # hand-checked: Mon 2027-03-01 + 91 days: 31 Mar is +30, 30 Apr is +60, Mon 31 May is +91 (spring bank holiday)
    # -> Fri 2027-05-28; calendar months give Tue 2027-06-01 (previous test)
    assert policy.due_date("hold_first_review", date(2027, 3, 1)) == date(2027, 5, 28)


def test_with_fixed_day_months_six_months_is_183_days() -> None:
    policy = with_conventions(months="fixed_days")
    # hand-checked: Mon 2026-11-30 + 183 days: 31 Dec +31, 31 Jan +62, 28 Feb +90, 31 Mar +121, 30 Apr +151,
    # 31 May +182, Tue 2027-06-01 +183
    assert policy.due_date("hold_review", date(2026, 11, 30)) == date(2027, 6, 1)


def test_fixed_day_months_are_365_25_twelfths_rounded() -> None:
    assert [fixed_days_for_months(months) for months in (1, 3, 6, 12, 24)] == [30, 91, 183, 365, 731]


def test_adding_calendar_months_clamps_and_crosses_years() -> None:
    assert add_calendar_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_calendar_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # 2028 is a leap year
    assert add_calendar_months(date(2027, 1, 15), -1) == date(2026, 12, 15)
    assert add_calendar_months(date(2026, 11, 30), 24) == date(2028, 11, 30)


# authority closure days and profiles


def test_an_authority_closed_28_to_31_december_gets_its_initial_conference_three_working_days_later() -> None:
    authority_c = load_policy(POLICIES, "authority_c")
    # hand-checked: SD Thu 2026-12-10; as the default case to Thu 24 (10), then Fri 25 BH, Mon 28 BH, Tue 29-Thu 31
    # closed, Fri 1 Jan BH, Mon 4 (11), Tue 5 (12), Wed 6 (13), Thu 7 (14), Fri 2027-01-08 (15)
    assert authority_c.due_date("hold_icpc", date(2026, 12, 10)) == date(2027, 1, 8)


def test_an_authority_closed_28_to_31_december_shares_reports_before_christmas() -> None:
    authority_c = load_policy(POLICIES, "authority_c")
    # hand-checked: ICPC Tue 2027-01-05; Mon 4 (1), Fri 1 BH, Thu 31-Mon 28 closed, Fri 25 BH, Thu 2026-12-24 (2)
    assert authority_c.due_date("share_reports_with_family", date(2027, 1, 5)) == date(2026, 12, 24)


def test_a_leaflet_due_on_a_closure_day_moves_back_to_the_last_open_day() -> None:
    authority_c = load_policy(POLICIES, "authority_c")
    # hand-checked: conference Mon 2027-01-04 - 5 days = Wed 2026-12-30 (closed) -> Tue 29, Mon 28 closed/BH,
    # Fri 25 BH -> Thu 2026-12-24; the default policy keeps Wed 2026-12-30
    assert authority_c.due_date("send_leaflet", date(2027, 1, 4)) == date(2026, 12, 24)
    assert DEFAULT.due_date("send_leaflet", date(2027, 1, 4)) == date(2026, 12, 30)


def test_a_single_closure_date_in_a_policy_moves_a_working_day_count() -> None:
    policy = make_policy(closure_days=["2027-03-25"])
    # hand-checked: conference Tue 2027-03-30; Mon 29 Easter Monday, Fri 26 Good Friday, Thu 25 closed
    # -> Wed 2027-03-24
    assert policy.due_date("chair_pre_meeting", date(2027, 3, 30)) == date(2027, 3, 24)
    # hand-checked: without the closure, Thu 2027-03-25
    assert DEFAULT.due_date("chair_pre_meeting", date(2027, 3, 30)) == date(2027, 3, 25)


def test_authority_b_shares_reports_three_working_days_before_an_initial_conference() -> None:
    authority_b = load_policy(POLICIES, "authority_b")
    # hand-checked: ICPC Tue 2027-01-05; Mon 4 (1), Fri 1 BH, Thu 31 (2), Wed 2026-12-30 (3)
    assert authority_b.due_date("share_reports_with_family", date(2027, 1, 5)) == date(2026, 12, 30)


def test_authority_b_holds_a_pre_birth_conference_by_34_weeks() -> None:
    authority_b = load_policy(POLICIES, "authority_b")
    # hand-checked: EDD Mon 2027-06-14 - 42 days = Mon 2027-05-03 (early May bank holiday) -> Fri 2027-04-30
    assert authority_b.due_date("pre_birth_conference", date(2027, 6, 14)) == date(2027, 4, 30)


def test_authority_a_holds_core_groups_six_weekly() -> None:
    authority_a = load_policy(POLICIES, "authority_a")
    # hand-checked: Mon 2027-04-19 + 42 days = Mon 2027-05-31 (spring bank holiday) -> Fri 2027-05-28
    assert authority_a.due_date("hold_core_group", date(2027, 4, 19)) == date(2027, 5, 28)
    # hand-checked: the default four-weekly: Mon 2027-04-19 + 28 days = Mon 2027-05-17, a working day
    assert DEFAULT.due_date("hold_core_group", date(2027, 4, 19)) == date(2027, 5, 17)


@pytest.mark.parametrize("name", ["default", "authority_a", "authority_b", "authority_c"])
def test_every_due_date_of_every_profile_is_a_working_day(name: str) -> None:
    policy = load_policy(POLICIES, name)
    calendar = policy.calendar()
    for timescale in policy.timescales:
        for anchor in (date(2026, 12, 24), date(2027, 1, 1), date(2027, 3, 26), date(2027, 5, 31)):
            assert calendar.is_working_day(policy.due_date(timescale, anchor)), (timescale, anchor)
