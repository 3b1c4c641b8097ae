"""Case read models: the listing, one case in full and the late-work dashboard, on both backends.

The caseload and its calendar are described in case_views_builders.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine

from tests.integration.case_views_builders import (
    AS_OF,
    CLOSURE_REASON,
    DATE_OF_BIRTH,
    NOTE,
    POLICIES,
    build_caseload,
)
from workflows.persistence import CaseNotFound
from workflows.views import (
    CaseFilter,
    OverdueItem,
    UnknownStatus,
    as_json,
    case_detail,
    list_cases,
    overdue_actions,
    overdue_counts,
    shareable_facts,
)

pytestmark = pytest.mark.both_databases


@pytest.fixture
def caseload(engine: Engine) -> Engine:
    build_caseload(engine)
    return engine


def _listed(engine: Engine, as_of: date = AS_OF, **where: object) -> list[tuple[str, int, int, int, str | None]]:
    with engine.connect() as connection:
        found = list_cases(connection, POLICIES, as_of, CaseFilter(**where))  # type: ignore[arg-type]
    return [
        (
            s.reference,
            s.open_actions,
            s.overdue_actions,
            s.most_working_days_late,
            s.next_due_on.isoformat() if s.next_due_on else None,
        )
        for s in found
    ]


def test_the_listing_counts_open_and_late_actions_of_every_case(caseload: Engine) -> None:
    assert _listed(caseload) == [
        # open: first core group, statutory visit, feedback (due Fri 22 Jan: 25-29 Jan and Mon 1 Feb = 6 WD late),
        # minutes (due Fri 29 Jan: 1 WD late) and the first review (Thu 8 Apr, the next due date).
        ("CP-VIEW-1", 5, 4, 6, "2027-04-08"),
        ("CP-VIEW-2", 0, 0, 0, None),
        # conference due Tue 26 Jan (15 WD after the strategy discussion on Tue 5 Jan): 27-29 Jan, 1 Feb = 4 WD late
        ("CP-VIEW-3", 1, 1, 4, None),
    ]


def test_the_listing_filters_by_status_and_team(caseload: Engine) -> None:
    assert [row[0] for row in _listed(caseload, status="closed")] == ["CP-VIEW-2"]
    assert [row[0] for row in _listed(caseload, team="south")] == ["CP-VIEW-3"]
    assert [row[0] for row in _listed(caseload, team="north", status="core_groups")] == ["CP-VIEW-1"]


def test_an_owner_role_keeps_the_cases_where_that_role_has_open_work_and_counts_only_it(caseload: Engine) -> None:
    # business support owns only the minutes of CP-VIEW-1, due Fri 29 Jan: 1 WD late on Mon 1 Feb
    assert _listed(caseload, owner_role="business_support") == [("CP-VIEW-1", 1, 1, 1, None)]


def test_overdue_only_keeps_cases_with_an_action_at_least_one_working_day_late(caseload: Engine) -> None:
    assert [row[0] for row in _listed(caseload, overdue_only=True)] == ["CP-VIEW-1", "CP-VIEW-3"]
    # Fri 22 Jan: the earliest open due dates (22 and 26 Jan) have not passed, so nothing is late
    assert _listed(caseload, as_of=date(2027, 1, 22), overdue_only=True) == []


def test_an_unknown_status_filter_lists_the_statuses(caseload: Engine) -> None:
    with caseload.connect() as connection, pytest.raises(UnknownStatus, match=r"'open'.*core_groups"):
        list_cases(connection, POLICIES, AS_OF, CaseFilter(status="open"))


def test_the_case_in_full_has_its_recorded_dates_and_codes_but_no_birth_date_or_free_text(caseload: Engine) -> None:
    with caseload.connect() as connection:
        planned = case_detail(connection, POLICIES, "CP-VIEW-1", AS_OF)
        closed = case_detail(connection, POLICIES, "CP-VIEW-2", AS_OF)
    assert (planned.status, planned.team, planned.version) == ("core_groups", "north", 10)
    assert planned.facts["icpc_outcome"] == "cp_plan" and planned.facts["initial_category"] == "NEG"
    assert planned.facts["strategy_discussion_date"] == "2026-12-16"
    assert closed.facts["closed_date"] == "2027-01-25"
    shown = json.dumps(as_json([planned, closed]))
    for private in (DATE_OF_BIRTH, "date_of_birth", "2019-07-07", NOTE, CLOSURE_REASON):
        assert private not in shown


def test_actions_carry_their_lateness_as_of_the_date_or_on_the_day_they_were_done(caseload: Engine) -> None:
    with caseload.connect() as connection:
        detail = case_detail(connection, POLICIES, "CP-VIEW-1", AS_OF)
    late = {(a.kind, a.status): a.working_days_late for a in detail.actions}
    assert late[("share_reports_with_family", "done")] == 1  # due Wed 6 Jan, done Thu 7 Jan
    assert late[("send_leaflet", "done")] == 0  # due and done Thu 31 Dec
    assert late[("hold_first_core_group", "open")] == 6  # due Fri 22 Jan, as of Mon 1 Feb
    assert late[("refer_family_group_conference", "cancelled")] == 0
    assert [a.kind for a in detail.open_actions][-1] == "hold_first_review"


def test_the_case_in_full_lists_its_history_escalations_and_notifications(caseload: Engine) -> None:
    with caseload.connect() as connection:
        detail = case_detail(connection, POLICIES, "CP-VIEW-1", AS_OF)
    moves = [(h.trigger, h.from_status, h.to_status) for h in detail.history if h.from_status != h.to_status]
    assert moves == [
        ("receive_referral", "new", "referred"),
        ("start_s47", "referred", "s47_enquiry"),
        ("convene_icpc", "s47_enquiry", "icpc_planning"),
        ("hold_icpc", "icpc_planning", "core_groups"),
    ]
    assert [(e.raised_on, e.level, e.source, e.action_kind) for e in detail.escalations] == [
        (date(2027, 1, 27), "head_of_service", "manual", None),
        (date(2027, 1, 29), "service_manager", "sweep", "hold_first_core_group"),
    ]
    assert [(n.kind, n.recipient_role, n.email) for n in detail.notifications] == [
        ("reminder", "social_worker", "emailed")
    ]


def test_an_unknown_reference_is_case_not_found(caseload: Engine) -> None:
    with caseload.connect() as connection, pytest.raises(CaseNotFound, match="CP-NOWHERE"):
        case_detail(connection, POLICIES, "CP-NOWHERE", AS_OF)


def _late(engine: Engine, as_of: date) -> list[OverdueItem]:
    with engine.connect() as connection:
        return overdue_actions(connection, POLICIES, as_of)


def test_the_dashboard_puts_each_late_action_on_its_policys_ladder(caseload: Engine) -> None:
    items = _late(caseload, AS_OF)
    # default ladder: team manager from 1 WD late, service manager from 5, head of service from 10
    assert [(i.reference, i.kind, i.working_days_late, i.level) for i in items] == [
        ("CP-VIEW-1", "hold_first_core_group", 6, "service_manager"),
        ("CP-VIEW-1", "seek_feedback", 6, "service_manager"),
        ("CP-VIEW-1", "statutory_visit", 6, "service_manager"),
        ("CP-VIEW-3", "hold_icpc", 4, "team_manager"),
        ("CP-VIEW-1", "circulate_minutes", 1, "team_manager"),
    ]
    assert overdue_counts(items, "level", POLICIES) == {"team_manager": 2, "service_manager": 3}
    assert overdue_counts(items, "team", POLICIES) == {"north": 4, "south": 1}
    assert overdue_counts(items, "kind", POLICIES)["hold_icpc"] == 1


def test_a_due_date_is_not_late_until_a_working_day_has_passed(caseload: Engine) -> None:
    # minutes due Fri 29 Jan: on Sat 30 Jan no working day has passed; on Mon 1 Feb one has
    assert "circulate_minutes" not in {i.kind for i in _late(caseload, date(2027, 1, 30))}
    assert "circulate_minutes" in {i.kind for i in _late(caseload, date(2027, 2, 1))}


def test_free_text_facts_are_never_shareable() -> None:
    facts = {
        "closed_date": "2027-01-25",
        "closure_reason": "moved away",
        "icpc_outcome": "cp_plan",
        "child_views": "wants to stay",
        "who_feeds_back": "chair",
        "reviews_held": 2,
        "plan_end_reason": "left_uk",
        "conference_date": "next week",
    }
    assert shareable_facts(facts) == {
        "closed_date": "2027-01-25",
        "icpc_outcome": "cp_plan",
        "plan_end_reason": "left_uk",
        "reviews_held": 2,
    }
