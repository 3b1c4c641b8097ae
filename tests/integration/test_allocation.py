"""Allocating a case: at referral or transfer-in, and by the `allocate` trigger; the worker is checked against the
staff directory by the service (active, holding one of the case's policy's `allocated_roles`, of the case's team
when they have teams), and a refusal changes nothing and is audited like any other."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from states.case import Actor
from states.errors import PermissionDenied
from tests.integration.test_case_service__builders import (
    POLICIES,
    REFERRAL,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    audit_events,
    make_service,
    referred,
    snapshot,
)
from workflows.persistence import CaseRow
from workflows.services import StaffDirectory, StaffEntry, WorkerNotAllocatable, known_roles

pytestmark = pytest.mark.both_databases

ON = date(2026, 11, 2)  # the builders' referral day, Mon 2 Nov 2026


@pytest.fixture
def directory(engine: Engine) -> StaffDirectory:
    staff = StaffDirectory(engine, known_roles(POLICIES))
    staff.add(StaffEntry("sw-north", "sw-north@example.org", ("social_worker",), ("north",)))
    staff.add(StaffEntry("sw-south", "sw-south@example.org", ("social_worker",), ("south",)))
    staff.add(StaffEntry("sw-any", "sw-any@example.org", ("social_worker",), ()))
    staff.add(StaffEntry("tm-north", "tm-north@example.org", ("team_manager",), ("north",)))
    staff.add(StaffEntry("sw-gone", "sw-gone@example.org", ("social_worker",), ("north",)))
    staff.add(StaffEntry("lcpp-north", "lcpp-north@example.org", ("lead_cp_practitioner",), ("north",)))
    staff.deactivate("sw-gone")
    return staff


def _allocated(engine: Engine, reference: str) -> str | None:
    cases = CaseRow.__table__
    with engine.connect() as connection:
        return connection.execute(select(cases.c.allocated_worker).where(cases.c.reference == reference)).scalar_one()


def test_a_referral_may_name_the_allocated_worker(engine: Engine, directory: StaffDirectory) -> None:
    result = make_service(engine).fire(
        "CP-1", "receive_referral", REFERRAL | {"allocated_worker": "sw-north"}, SOCIAL_WORKER, ON
    )
    assert result.case.allocated_worker == "sw-north"
    assert _allocated(engine, "CP-1") == "sw-north"
    assert result.event["data"]["allocated_worker"] == "sw-north"


def test_allocate_changes_the_worker_and_is_audited_like_every_trigger(
    engine: Engine, directory: StaffDirectory
) -> None:
    service = make_service(engine)
    referred(service)
    moved = service.fire("CP-1", "allocate", {"worker": "sw-any"}, TEAM_MANAGER, ON)
    assert (moved.from_status.value, moved.to_status.value, moved.case.version) == ("referred", "referred", 2)
    assert _allocated(engine, "CP-1") == "sw-any"  # no teams: a service-wide worker may hold any team's case
    last = audit_events(engine, "CP-1")[-1]
    assert (last.event_type, last.trigger, last.actor_id, last.payload["data"]) == (
        "trigger_fired",
        "allocate",
        "tm-1",
        {"worker": "sw-any"},
    )


@pytest.mark.parametrize(
    ("worker", "problem"),
    [
        ("nobody", "allocate: worker nobody: not in the staff directory"),
        ("sw-gone", "allocate: worker sw-gone: deactivated"),
        ("tm-north", "allocate: worker tm-north: does not hold role social_worker (holds: team_manager)"),
        ("sw-south", "allocate: worker sw-south: not in the case's team north (teams: south)"),
    ],
)
def test_a_worker_who_may_not_hold_the_case_is_refused_changing_nothing_and_audited(
    engine: Engine, directory: StaffDirectory, worker: str, problem: str
) -> None:
    service = make_service(engine)
    referred(service)
    before = snapshot(engine, "CP-1")
    with pytest.raises(WorkerNotAllocatable) as refused:
        service.fire("CP-1", "allocate", {"worker": worker}, TEAM_MANAGER, ON)
    assert str(refused.value) == problem
    after = snapshot(engine, "CP-1")
    assert after["case"] == before["case"] and after["actions"] == before["actions"]
    assert after["outbox"] == before["outbox"]
    refusal = audit_events(engine, "CP-1")[-1]
    assert (refusal.event_type, refusal.payload["refusal"]) == ("trigger_refused", "WorkerNotAllocatable")


def test_a_referral_naming_a_worker_of_another_team_opens_no_case(engine: Engine, directory: StaffDirectory) -> None:
    service = make_service(engine)
    with pytest.raises(
        WorkerNotAllocatable, match="receive_referral: allocated_worker sw-south: not in the case's team north"
    ):
        service.fire("CP-1", "receive_referral", REFERRAL | {"allocated_worker": "sw-south"}, SOCIAL_WORKER, ON)
    assert snapshot(engine, "CP-1")["case"] == []


def test_only_team_managers_and_above_may_allocate(engine: Engine, directory: StaffDirectory) -> None:
    service = make_service(engine)
    referred(service)
    with pytest.raises(PermissionDenied):
        service.fire("CP-1", "allocate", {"worker": "sw-north"}, SOCIAL_WORKER, ON)
    service.fire("CP-1", "allocate", {"worker": "sw-north"}, Actor("hos-1", "head_of_service"), ON)
    assert _allocated(engine, "CP-1") == "sw-north"


def test_allocate_is_allowed_in_every_open_status_but_not_once_closed(
    engine: Engine, directory: StaffDirectory
) -> None:
    service = make_service(engine)
    referred(service)
    service.fire("CP-1", "close_no_further_action", {"reason": "no concerns", "date": "2026-11-02"}, TEAM_MANAGER, ON)
    with pytest.raises(Exception, match="not allowed from status 'closed'"):
        service.fire("CP-1", "allocate", {"worker": "sw-north"}, TEAM_MANAGER, ON)


LEAD = Actor("lcpp-1", "lead_cp_practitioner")


def test_a_social_worker_is_still_allocated_on_the_default_policy_and_a_lead_practitioner_is_not(
    engine: Engine, directory: StaffDirectory
) -> None:
    service = make_service(engine)
    referred(service)  # the default policy: the service's default authority
    service.fire("CP-1", "allocate", {"worker": "sw-north"}, TEAM_MANAGER, ON)
    assert _allocated(engine, "CP-1") == "sw-north"
    with pytest.raises(WorkerNotAllocatable) as refused:
        service.fire("CP-1", "allocate", {"worker": "lcpp-north"}, TEAM_MANAGER, ON)
    assert str(refused.value) == (
        "allocate: worker lcpp-north: does not hold role social_worker (holds: lead_cp_practitioner)"
    )
    assert _allocated(engine, "CP-1") == "sw-north"


def test_a_lead_practitioner_is_allocated_a_families_first_case_at_referral_and_by_allocate(
    engine: Engine, directory: StaffDirectory
) -> None:
    service = make_service(engine)
    named = REFERRAL | {"allocated_worker": "lcpp-north"}
    result = service.fire("CP-D1", "receive_referral", named, LEAD, ON, authority="authority_d")
    assert (result.case.authority, result.case.allocated_worker) == ("authority_d", "lcpp-north")
    service.fire("CP-D2", "receive_referral", REFERRAL, LEAD, ON, authority="authority_d")
    service.fire("CP-D2", "allocate", {"worker": "sw-north"}, TEAM_MANAGER, ON)  # a social worker still may
    service.fire("CP-D2", "allocate", {"worker": "lcpp-north"}, TEAM_MANAGER, ON)
    assert (_allocated(engine, "CP-D1"), _allocated(engine, "CP-D2")) == ("lcpp-north", "lcpp-north")
    with pytest.raises(WorkerNotAllocatable) as refused:
        service.fire("CP-D2", "allocate", {"worker": "tm-north"}, TEAM_MANAGER, ON)
    assert str(refused.value) == (
        "allocate: worker tm-north: does not hold role social_worker or lead_cp_practitioner (holds: team_manager)"
    )
