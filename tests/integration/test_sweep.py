"""The deadline sweep: reminders before due, the escalation ladder by working days overdue, once and only once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from tests.integration.sweep_builders import (
    context,
    make_action,
    make_case,
    reminders,
    row_counts,
    sweep_escalations,
)
from workflows.sweep import report, run_sweep

pytestmark = pytest.mark.both_databases

# Wednesday 10 March 2027; no bank holiday between mid-February and Easter (26 March) 2027.
AS_OF = date(2027, 3, 10)


def _ladder_actions(engine: Engine) -> dict[str, int]:
    with engine.begin() as connection:
        case = make_case(connection)
        other = make_case(connection, authority="authority_without_a_policy")
        return {
            # Due Fri 12 March: the reminder (2 working days before) falls on Wed 10 March, the sweep date.
            "reminder": make_action(connection, case, date(2027, 3, 12)),
            # Due Mon 15 March: reminded on Thu 11 March, not yet.
            "too_early": make_action(connection, case, date(2027, 3, 15)),
            "due_today": make_action(connection, case, AS_OF),
            # Due Tue 9 March: 1 working day overdue (Wed 10).
            "one_late": make_action(connection, case, date(2027, 3, 9)),
            # Due Wed 3 March: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 = 5 working days overdue.
            "five_late": make_action(connection, case, date(2027, 3, 3)),
            # Due Wed 24 February: two whole weeks = 10 working days overdue.
            "ten_late": make_action(connection, case, date(2027, 2, 24)),
            "done": make_action(connection, case, date(2027, 3, 1), status="done", done_on=date(2027, 3, 1)),
            "no_policy": make_action(connection, other, date(2027, 3, 1)),
        }


def test_each_action_gets_the_reminder_or_the_rung_its_working_days_overdue_reach(engine: Engine) -> None:
    ids = _ladder_actions(engine)

    run_sweep(context(engine), AS_OF)

    assert reminders(engine) == {(ids["reminder"], date(2027, 3, 12))}
    assert sweep_escalations(engine) == {
        (ids["due_today"], "owner", AS_OF),
        (ids["one_late"], "team_manager", date(2027, 3, 9)),
        (ids["five_late"], "service_manager", date(2027, 3, 3)),
        (ids["ten_late"], "head_of_service", date(2027, 2, 24)),
    }


def test_running_the_sweep_twice_creates_nothing_twice(engine: Engine) -> None:
    _ladder_actions(engine)
    run_sweep(context(engine), AS_OF)
    first = row_counts(engine)

    second = run_sweep(context(engine), AS_OF)

    assert row_counts(engine) == first == (4, 1)
    assert second.created_by_run == {}


def test_a_later_sweep_adds_only_the_next_rung(engine: Engine) -> None:
    with engine.begin() as connection:
        action = make_action(connection, make_case(connection), date(2027, 3, 9))
    run_sweep(context(engine), AS_OF)

    # Tue 16 March: Wed 10, Thu 11, Fri 12, Mon 15, Tue 16 = 5 working days after the due date of Tue 9 March.
    run_sweep(context(engine), date(2027, 3, 16))

    assert sweep_escalations(engine) == {
        (action, "team_manager", date(2027, 3, 9)),
        (action, "service_manager", date(2027, 3, 9)),
    }


def test_working_days_overdue_follow_the_authoritys_own_closure_days(engine: Engine) -> None:
    with engine.begin() as connection:
        england = make_action(connection, make_case(connection, authority="default"), date(2026, 12, 22))
        closed = make_action(connection, make_case(connection, authority="authority_c"), date(2026, 12, 22))

    run_sweep(context(engine), date(2027, 1, 4))

    # Due Tue 22 Dec 2026, swept Mon 4 Jan 2027, worked out by hand: bank holidays Fri 25 Dec, Mon 28 Dec (Boxing
    # Day substitute) and Fri 1 Jan. England: Wed 23, Thu 24, Tue 29, Wed 30, Thu 31, Mon 4 = 6 working days.
    # Authority C also closes 28-31 December: Wed 23, Thu 24, Mon 4 = 3 working days.
    assert sweep_escalations(engine) == {
        (england, "service_manager", date(2026, 12, 22)),
        (closed, "team_manager", date(2026, 12, 22)),
    }


def test_an_action_whose_due_date_moved_is_reminded_again_for_the_new_date(engine: Engine) -> None:
    with engine.begin() as connection:
        action = make_action(connection, make_case(connection), date(2027, 3, 12))
    run_sweep(context(engine), AS_OF)
    with engine.begin() as connection:
        from sqlalchemy import update

        from workflows.persistence import ActionRow

        connection.execute(update(ActionRow).where(ActionRow.id == action).values(due_on=date(2027, 3, 19)))

    # New due date Fri 19 March: reminded 2 working days before, on Wed 17 March.
    run_sweep(context(engine), date(2027, 3, 17))

    assert reminders(engine) == {(action, date(2027, 3, 12)), (action, date(2027, 3, 19))}


def test_the_report_counts_open_actions_per_level_and_lists_the_most_overdue_first(engine: Engine) -> None:
    ids = _ladder_actions(engine)

    report = run_sweep(context(engine), AS_OF)

    assert report.open_at_level == {
        "reminder": 1,
        "owner": 1,
        "team_manager": 1,
        "service_manager": 1,
        "head_of_service": 1,
    }
    assert report.created_by_run == report.raised_as_of == report.open_at_level
    assert report.overdue_total == 3
    assert [(line.due_on, line.working_days_late, line.level) for line in report.overdue] == [
        (date(2027, 2, 24), 10, "head_of_service"),
        (date(2027, 3, 3), 5, "service_manager"),
        (date(2027, 3, 9), 1, "team_manager"),
    ]
    assert {line.action for line in report.overdue} == {"hold_first_core_group"}
    assert ids  # the builder's ids are not needed beyond the rows they made


def test_the_overdue_list_takes_each_authoritys_calendar_before_it_cuts_at_the_limit(engine: Engine) -> None:
    with engine.begin() as connection:
        # Due Tue 29 Dec 2026, swept Thu 31 Dec. Authority C is closed 28-31 December: 0 working days late, still
        # the owner's. England: Wed 30, Thu 31 = 2 working days late. C's action has the lower id and comes first.
        closed = make_action(connection, make_case(connection, authority="authority_c"), date(2026, 12, 29))
        england = make_action(connection, make_case(connection, authority="default"), date(2026, 12, 29))

    found = report(context(engine), date(2026, 12, 31), limit=1)

    assert closed < england
    assert found.overdue_total == 1
    assert [(line.due_on, line.working_days_late, line.level) for line in found.overdue] == [
        (date(2026, 12, 29), 2, "team_manager")
    ]
    assert found.open_at_level == {"owner": 1, "team_manager": 1}


def test_the_overdue_list_reads_on_past_a_due_date_whose_actions_are_not_late_for_their_authority(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        # Swept Thu 31 Dec 2026. Authority C is closed 28-31 December: its action due Tue 29 Dec is 0 working days
        # late. England's due Wed 30 Dec: Thu 31 = 1 working day late. The first due date with a late stage
        # (England's, for 29 Dec) holds only C's action, so the list must read on to 30 December.
        make_action(connection, make_case(connection, authority="authority_c"), date(2026, 12, 29))
        make_action(connection, make_case(connection, authority="default"), date(2026, 12, 30))

    found = report(context(engine), date(2026, 12, 31), limit=1)

    assert found.overdue_total == 1
    assert [(line.due_on, line.working_days_late, line.level) for line in found.overdue] == [
        (date(2026, 12, 30), 1, "team_manager")
    ]


def test_the_sweep_reports_its_progress_step_by_step_ending_complete(engine: Engine) -> None:
    _ladder_actions(engine)
    steps: list[tuple[int, int]] = []

    run_sweep(context(engine), AS_OF, on_progress=lambda done, total: steps.append((done, total)))

    total = steps[0][1]
    assert steps[0] == (0, total) and steps[-1] == (total, total)
    assert total >= 2  # at least one batch, then the leftovers pass
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
