"""The demo caseload: every status, some late, fictional, repeatable, and one pending outbox row per case."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from workflows.persistence import AuditEventRow, CaseRow, OutboxRow, load_all_policies, make_engine, schema
from workflows.services import (
    DEMO_STAFF,
    DemoTooSmall,
    StaffDirectory,
    StaffPasswords,
    is_empty,
    known_roles,
    load_demo,
)
from workflows.settings import REPOSITORY_CONFIG_DIR

TODAY = date(2027, 3, 10)
SIZE = 60
POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")


def _statuses(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {row.reference: row.status for row in connection.execute(sa.select(CaseRow.reference, CaseRow.status))}


def test_the_demo_fills_every_status_with_fictional_references_and_some_late_cases(engine: sa.Engine) -> None:
    assert is_empty(engine)

    report = load_demo(engine, POLICIES, TODAY, size=SIZE)

    statuses = _statuses(engine)
    assert len(statuses) == report.cases == SIZE
    assert set(statuses.values()) == {
        "referred",
        "s47_enquiry",
        "icpc_planning",
        "child_only_conference",
        "core_groups",
        "review_planning",
        "cin_plan",
        "closed",
    }
    assert all(re.fullmatch(r"DEMO-\d{4}", reference) for reference in statuses)
    assert 0 < report.late < SIZE
    assert not is_empty(engine)


def test_every_demo_trigger_is_fired_by_a_demo_actor_of_the_directory_in_a_role_they_hold(engine: sa.Engine) -> None:
    report = load_demo(engine, POLICIES, TODAY, size=SIZE)

    with engine.connect() as connection:
        acted = connection.execute(sa.select(AuditEventRow.actor_id, AuditEventRow.actor_role).distinct()).all()
        events = connection.execute(sa.select(sa.func.count()).select_from(AuditEventRow)).scalar_one()
    directory = {member.id: member for member in StaffDirectory(engine, known_roles(POLICIES)).members()}
    assert acted
    assert all(actor.startswith("demo-") for actor, _ in acted)
    assert [(actor, role) for actor, role in acted if role not in directory[actor].roles] == []
    assert events == report.triggers


def test_only_each_demo_cases_latest_transition_waits_for_the_case_transition_flow(engine: sa.Engine) -> None:
    load_demo(engine, POLICIES, TODAY, size=SIZE)

    with engine.connect() as connection:
        pending = connection.execute(
            sa.select(OutboxRow.case_reference, sa.func.count())
            .where(OutboxRow.delivered_at.is_(None))
            .group_by(OutboxRow.case_reference)
        ).all()
    assert len(pending) == SIZE
    assert {count for _, count in pending} == {1}


def test_the_same_seed_gives_the_same_caseload(engine: sa.Engine, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    schema.upgrade(other)
    try:
        load_demo(engine, POLICIES, TODAY, size=SIZE)
        load_demo(other, POLICIES, TODAY, size=SIZE)
        assert _statuses(engine) == _statuses(other)
    finally:
        other.dispose()


def test_the_demo_staff_are_in_the_directory_active_with_example_org_e_mails(engine: sa.Engine) -> None:
    load_demo(engine, POLICIES, TODAY, size=SIZE)

    members = StaffDirectory(engine, known_roles(POLICIES)).members()

    assert {(m.id, m.email, m.roles, m.teams, m.active) for m in members} == {
        (entry.id, entry.email, entry.roles, tuple(sorted(entry.teams)), True) for entry in DEMO_STAFF
    }
    assert all(m.email is not None and m.email.endswith("@example.org") for m in members)
    managers = {m.id: (m.roles, m.teams) for m in members if m.id in {"demo-tm-north", "demo-sm", "demo-hos"}}
    assert managers == {
        "demo-tm-north": (("team_manager",), ("north",)),
        "demo-sm": (("service_manager",), ()),
        "demo-hos": (("head_of_service",), ()),
    }


def test_a_demo_too_small_to_show_every_status_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(DemoTooSmall, match="at least 8 are needed"):
        load_demo(engine, POLICIES, TODAY, size=7)


def test_the_demo_north_manager_signs_in_to_the_console_with_the_password_the_report_gives(engine: sa.Engine) -> None:
    report = load_demo(engine, POLICIES, TODAY, size=SIZE)

    passwords = StaffPasswords(engine)
    member = passwords.check(report.console_staff_id, report.console_password)
    assert member is not None
    assert (member.id, member.roles, member.teams) == ("demo-tm-north", ("team_manager",), ("north",))
    assert passwords.check(report.console_staff_id, report.console_password + "x") is None
