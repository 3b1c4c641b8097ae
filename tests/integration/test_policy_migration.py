"""Policy versions: a dry run lists each due date that would move; the real run moves them, audited, per case.

The case: referral Mon 2026-11-02, strategy discussion Tue 11-03, conference decided Wed 11-04 for Tue 11-24,
agency reports submitted (closed) on Tue 11-17. Version 2026.2 of the default policy shortens three timescales.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from states.policy import Policy
from tests.integration.policy_migration_builders import planning_case, policies_at_2026_2
from tests.integration.test_case_service__builders import audit_events, make_service, snapshot
from workflows.persistence import audit, make_session_factory
from workflows.services import MigrationReport, PolicyVersionMismatch, migrate

pytestmark = pytest.mark.both_databases

MIGRATED_AT = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


def run(engine: Engine, policies: dict[str, Policy], *, dry_run: bool, **options: str) -> MigrationReport:
    return migrate(
        make_session_factory(engine),
        policies,
        "2026.2",
        today=date(2026, 11, 10),
        now=lambda: MIGRATED_AT,
        dry_run=dry_run,
        **options,
    )


# hold_icpc: 10 WD after Tue 11-03 is Tue 11-17 (was 15 WD: Tue 11-24).
# share_reports_with_family: 3 WD before Tue 11-24 is Thu 11-19 (was 2 WD: Fri 11-20).
EXPECTED_MOVES = [
    ("CP-1", "hold_icpc", date(2026, 11, 24), date(2026, 11, 17)),
    ("CP-1", "share_reports_with_family", date(2026, 11, 20), date(2026, 11, 19)),
]


def test_a_dry_run_lists_each_due_date_that_would_move_and_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    planning_case(engine)
    before = snapshot(engine, "CP-1")

    report = run(engine, policies_at_2026_2(tmp_path), dry_run=True, authority="default")

    assert [(m.case_reference, m.kind, m.old_due, m.new_due) for m in report.moves] == EXPECTED_MOVES
    assert report.moves[0].why == (
        "hold_icpc: 10 working days after strategy_discussion_date in policy default 2026.2 (was 2026.1)"
    )
    assert snapshot(engine, "CP-1") == before


def test_the_real_run_moves_the_due_dates_restamps_open_actions_and_audits_once(engine: Engine, tmp_path: Path) -> None:
    planning_case(engine)
    policies = policies_at_2026_2(tmp_path)
    before = make_service(engine).case("CP-1")

    report = run(engine, policies, dry_run=False)

    assert [(m.case_reference, m.kind, m.old_due, m.new_due) for m in report.moves] == EXPECTED_MOVES
    case = make_service(engine).case("CP-1")
    assert case.version == before.version + 1
    due = {action.kind: action.due_on for action in case.actions}
    assert (due["hold_icpc"], due["share_reports_with_family"]) == (date(2026, 11, 17), date(2026, 11, 19))
    # Unchanged rules keep their dates: chair 1 WD before the conference (Mon 11-23), leaflet 5 days (Thu 11-19).
    assert (due["chair_pre_meeting"], due["send_leaflet"]) == (date(2026, 11, 23), date(2026, 11, 19))
    assert {action.policy_version for action in case.actions} == {"2026.2"}
    event = audit_events(engine, "CP-1")[-1]
    assert (event.event_type, event.actor_id, event.actor_role) == (
        "policy_migrated",
        "policy-migration",
        "administrator",
    )
    assert [(m["kind"], m["old_due"], m["new_due"]) for m in event.payload["moves"]] == [
        ("hold_icpc", "2026-11-24", "2026-11-17"),
        ("share_reports_with_family", "2026-11-20", "2026-11-19"),
    ]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_closed_action_keeps_its_due_date_and_policy_version(engine: Engine, tmp_path: Path) -> None:
    planning_case(engine)
    closed_before = [row for row in snapshot(engine, "CP-1")["actions"] if "submit_agency_reports" in row]

    run(engine, policies_at_2026_2(tmp_path), dry_run=False)

    # Under 2026.2 agency reports would be due 5 WD before Tue 11-24 (Tue 11-17), but that action is done.
    closed_after = [row for row in snapshot(engine, "CP-1")["actions"] if "submit_agency_reports" in row]
    assert closed_after == closed_before
    assert len(closed_before) == 1 and "2026.1" in closed_before[0] and date(2026, 11, 19) in closed_before[0]


def test_a_second_run_finds_nothing_left_to_move(engine: Engine, tmp_path: Path) -> None:
    planning_case(engine)
    policies = policies_at_2026_2(tmp_path)
    run(engine, policies, dry_run=False)
    after_first = snapshot(engine, "CP-1")

    report = run(engine, policies, dry_run=False)

    assert (report.moves, report.cases) == ([], [])
    assert snapshot(engine, "CP-1") == after_first


def test_a_version_the_authority_policy_is_not_at_is_refused_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    planning_case(engine)
    before = snapshot(engine, "CP-1")

    with pytest.raises(
        PolicyVersionMismatch,
        match=re.escape("authority authority_a: its policy file is at version 2026.1, not 2026.2"),
    ):
        run(engine, policies_at_2026_2(tmp_path), dry_run=False, authority="authority_a")

    assert snapshot(engine, "CP-1") == before
