"""The case-transition flow: what a committed trigger implies, done once however often it is delivered."""

from __future__ import annotations

from datetime import date

import pytest
from prefect import tags
from prefect.client.orchestration import get_client
from sqlalchemy import Engine, select

from tests.integration.transition_fixtures import (
    TEAM_MANAGER,
    case_service,
    convene_conference,
    count,
    installed_runtime,
    outbox_ids,
)
from workflows.bootstrap import Runtime
from workflows.flows import case_transition, run_case_transition, run_tags
from workflows.persistence import EscalationRow, NotificationRow, ReminderRow

__all__ = ["installed_runtime"]

_notifications = NotificationRow.__table__


def _deliver_all(engine: Engine) -> None:
    for outbox_id, reference, trigger in outbox_ids(engine):
        run_case_transition(outbox_id, reference, trigger)


def _notices(engine: Engine) -> set[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(_notifications.c.kind, _notifications.c.recipient_role, _notifications.c.action_kind)
        )
        return {(row.kind, row.recipient_role, row.action_kind) for row in rows}


def test_convening_a_conference_notifies_invitations_leaflet_and_advocate_request_to_their_owners(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    convene_conference(case_service(engine), "CP-1")
    _deliver_all(engine)

    notices = _notices(engine)
    assert ("invitations", "business_support", None) in notices
    assert ("leaflet", "business_support", "send_leaflet") in notices
    assert ("advocate_request", "social_worker", "request_advocate") in notices


def test_an_opened_action_whose_reminder_date_has_come_is_reminded_at_once(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    convene_conference(case_service(engine), "CP-1")
    _deliver_all(engine)

    # request_advocate is due 2026-03-11, one working day after the decision: inside the 2-day reminder window.
    assert ("reminder", "social_worker", "request_advocate") in _notices(engine)
    with engine.connect() as connection:
        reminded = connection.execute(select(ReminderRow.__table__.c.due_on)).scalars().all()
    assert reminded == [date(2026, 3, 11)] * len(reminded) and len(reminded) >= 1


def test_an_action_already_late_when_a_trigger_lands_is_escalated_to_the_rung_it_reached(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    service = case_service(engine)
    convene_conference(service, "CP-1")
    # Three working days after request_advocate was due (2026-03-11): the team manager's rung.
    service.fire("CP-1", "set_conference_date", {"conference_date": "2026-03-24"}, TEAM_MANAGER, date(2026, 3, 16))
    _deliver_all(engine)

    with engine.connect() as connection:
        levels = {(row.level, row.working_days_overdue) for row in connection.execute(select(EscalationRow.__table__))}
    assert ("team_manager", 3) in levels
    assert ("escalation", "team_manager", "request_advocate") in _notices(engine)


@pytest.mark.both_databases
def test_a_second_delivery_of_every_row_changes_nothing(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    service = case_service(engine)
    convene_conference(service, "CP-1")
    service.fire("CP-1", "set_conference_date", {"conference_date": "2026-03-24"}, TEAM_MANAGER, date(2026, 3, 16))
    _deliver_all(engine)
    before = [count(engine, table) for table in (_notifications, ReminderRow.__table__, EscalationRow.__table__)]

    _deliver_all(engine)

    assert [
        count(engine, table) for table in (_notifications, ReminderRow.__table__, EscalationRow.__table__)
    ] == before
    assert before[0] > 0 and before[2] > 0


def test_a_run_is_named_and_tagged_with_the_case_reference_and_trigger_and_carries_ids_only(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    convene_conference(case_service(engine), "CP-7")
    outbox_id, reference, trigger = outbox_ids(engine)[-1]

    with tags(*run_tags(reference, trigger)):
        state = case_transition(outbox_id=outbox_id, case_reference=reference, trigger=trigger, return_state=True)

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == "CP-7 convene_icpc"
    assert {"case:CP-7", "trigger:convene_icpc"} <= set(run.tags)
    assert run.parameters == {"outbox_id": outbox_id, "case_reference": "CP-7", "trigger": "convene_icpc"}
    assert "2016-05-01" not in run.model_dump_json()
