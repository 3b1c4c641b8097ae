"""Manager escalation: only a manager over the case's team may raise it; every attempt is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import Engine, select
from structlog.testing import capture_logs

from states.errors import CaseflowError
from tests.integration.sweep_builders import make_case, make_staff, policies, reference_of
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.flows import manager_escalation
from workflows.persistence import AuditEventRow, EscalationRow, audit
from workflows.services import (
    EscalationReason,
    EscalationRefused,
    EscalationRequest,
    ManagerEscalations,
    UnknownCase,
)

TODAY = date(2027, 3, 10)
NOTE = "Mother says the child was not seen at school this week"


def _case(engine: Engine, team: str = "north") -> str:
    with engine.begin() as connection:
        make_staff(connection, "tm-north", "team_manager", "north")
        make_staff(connection, "tm-south", "team_manager", "south")
        make_staff(connection, "sm-all", "service_manager", None)
        make_staff(connection, "sw-north", "social_worker", "north")
        return reference_of(connection, make_case(connection, team=team))


def _request(reference: str, manager_id: str, level: str = "service_manager") -> EscalationRequest:
    return EscalationRequest(reference, level, EscalationReason.SAFETY_CONCERN, manager_id, TODAY)


def _events(engine: Engine, reference: str) -> list[tuple[str, str, dict[str, object]]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEventRow.event_type, AuditEventRow.actor_id, AuditEventRow.payload)
            .where(AuditEventRow.case_reference == reference)
            .order_by(AuditEventRow.seq)
        )
        return [(row.event_type, row.actor_id, row.payload) for row in rows]


def _escalations(engine: Engine) -> list[tuple[str, str | None, str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(EscalationRow.level, EscalationRow.raised_by, EscalationRow.reason_code, EscalationRow.note)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.both_databases
def test_a_team_manager_over_the_case_team_raises_an_escalation_recorded_and_audited(engine: Engine) -> None:
    reference = _case(engine)

    escalation_id = ManagerEscalations(engine, policies()).raise_escalation(_request(reference, "tm-north"), note=NOTE)

    assert _escalations(engine) == [("service_manager", "tm-north", "safety_concern", NOTE)]
    assert _events(engine, reference) == [
        (
            "escalation_raised",
            "tm-north",
            {
                "level": "service_manager",
                "reason": "safety_concern",
                "raised_via": "cli",
                "escalation_id": escalation_id,
                "has_note": True,
            },
        ),
    ]
    with engine.connect() as connection:
        assert audit.verify(connection, reference).broken == []


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("manager_id", "problem"),
    [
        ("tm-south", "a team_manager of team south is not a manager over team north"),
        ("sw-north", "a social_worker of team north is not a manager over team north"),
        ("nobody", "no staff record with that id"),
    ],
)
def test_anyone_not_managing_the_case_team_is_refused_and_the_attempt_audited(
    engine: Engine, manager_id: str, problem: str
) -> None:
    reference = _case(engine)

    with pytest.raises(EscalationRefused) as refused:
        ManagerEscalations(engine, policies()).raise_escalation(_request(reference, manager_id), note=NOTE)

    assert refused.value.problem == problem
    assert _escalations(engine) == []
    assert _events(engine, reference) == [
        (
            "escalation_refused",
            manager_id,
            {"level": "service_manager", "reason": "safety_concern", "raised_via": "cli", "problem": problem},
        ),
    ]


@pytest.mark.both_databases
def test_a_service_manager_recorded_without_a_team_is_over_every_team(engine: Engine) -> None:
    reference = _case(engine, team="east")

    ManagerEscalations(engine, policies()).raise_escalation(_request(reference, "sm-all", level="head_of_service"))

    assert _escalations(engine) == [("head_of_service", "sm-all", "safety_concern", None)]


@pytest.mark.both_databases
def test_a_level_not_on_the_ladder_is_refused(engine: Engine) -> None:
    reference = _case(engine)

    with pytest.raises(EscalationRefused, match="level 'owner' is not on the ladder"):
        ManagerEscalations(engine, policies()).raise_escalation(_request(reference, "tm-north", level="owner"))

    assert [event for event, _, _ in _events(engine, reference)] == ["escalation_refused"]


@pytest.mark.both_databases
def test_an_unknown_case_is_one_clear_error(engine: Engine) -> None:
    _case(engine)

    with pytest.raises(UnknownCase) as error:
        ManagerEscalations(engine, policies()).raise_escalation(_request("CP-NOPE", "tm-north"))

    assert isinstance(error.value, CaseflowError)
    assert str(error.value) == "case CP-NOPE: no such case"


@pytest.mark.both_databases
def test_a_repeated_request_key_raises_nothing_twice(engine: Engine) -> None:
    reference = _case(engine)
    service = ManagerEscalations(engine, policies())

    first = service.raise_escalation(_request(reference, "tm-north"), request_key="run-1")
    again = service.raise_escalation(_request(reference, "tm-north"), request_key="run-1")

    assert first == again
    assert len(_escalations(engine)) == 1
    assert len(_events(engine, reference)) == 1


@pytest.fixture
def installed(engine: Engine, prefect_harness: str) -> Iterator[Engine]:
    install_runtime(Runtime(engine, policies()))
    yield engine
    uninstall_runtime()


def test_the_flow_raises_the_escalation_with_only_codes_and_ids_in_its_parameters(installed: Engine) -> None:
    reference = _case(installed)

    state = manager_escalation(
        case_reference=reference,
        level="service_manager",
        reason=EscalationReason.DEADLINE_MISSED,
        manager_id="tm-north",
        today=TODAY,
        return_state=True,
    )

    assert state.is_completed(), state.message
    assert _escalations(installed) == [("service_manager", "tm-north", "deadline_missed", None)]
    # Raised by an operator in the Prefect UI on behalf of the named manager: the row and the audit event say so.
    with installed.connect() as connection:
        assert connection.execute(select(EscalationRow.raised_via)).scalar_one() == "prefect_ui_on_behalf"
    [(event, actor, payload)] = _events(installed, reference)
    assert (event, actor, payload["raised_via"]) == ("escalation_raised", "tm-north", "prefect_ui_on_behalf")
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.name == f"escalate {reference} to service_manager"
    assert json.loads(json.dumps(run.parameters, default=str)) == {
        "case_reference": reference,
        "level": "service_manager",
        "reason": "deadline_missed",
        "manager_id": "tm-north",
        "today": "2027-03-10",
    }


def test_a_refused_escalation_logs_its_ladder_level_under_a_key_the_log_level_cannot_overwrite(
    engine: Engine,
) -> None:
    reference = _case(engine)

    with capture_logs() as logs, pytest.raises(EscalationRefused):
        ManagerEscalations(engine, policies()).raise_escalation(_request(reference, "nobody"))

    refused = [entry for entry in logs if entry["event"] == "escalation_refused"]
    assert len(refused) == 1
    # structlog writes the log level under `level`: the escalation's own level must not be that key.
    assert refused[0]["escalation_level"] == "service_manager"
    assert "level" not in refused[0]


def test_the_flow_refuses_a_named_manager_not_over_the_cases_team_and_audits_it_as_on_behalf(installed: Engine) -> None:
    reference = _case(installed)

    state = manager_escalation(
        case_reference=reference,
        level="service_manager",
        reason=EscalationReason.DEADLINE_MISSED,
        manager_id="tm-south",
        today=TODAY,
        return_state=True,
    )

    assert state.is_failed()
    assert _escalations(installed) == []
    [(event, actor, payload)] = _events(installed, reference)
    assert (event, actor, payload["raised_via"]) == ("escalation_refused", "tm-south", "prefect_ui_on_behalf")
    assert payload["problem"] == "a team_manager of team south is not a manager over team north"
