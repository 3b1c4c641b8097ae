"""E-mail down: each notice is retried with backoff, then becomes an incident; the rest of the flow completes."""

from __future__ import annotations

import uuid

from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from sqlalchemy import Engine, select

from tests.integration.smtp_recorder import Recorder
from tests.integration.transition_fixtures import POLICIES, case_service, convene_conference
from tests.ports import free_port
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.delivery import SmtpChannel, incidents
from workflows.flows import outbox_dispatcher, run_tags
from workflows.persistence import NotificationRow
from workflows.services import incident_retry
from workflows.settings import utc_now

_notifications = NotificationRow.__table__
DELAYS = (0.05, 0.1)


def test_an_smtp_server_down_leaves_incidents_a_failed_run_and_everything_else_done_then_retry_sends(
    engine: Engine, prefect_harness: str
) -> None:
    port, reference = free_port(), f"CP-{uuid.uuid4().hex[:8]}"
    channel = SmtpChannel("127.0.0.1", port, "caseflow@council.example", timeout=2)
    install_runtime(Runtime(engine, POLICIES, email=channel, email_retry_delays=DELAYS))
    try:
        convene_conference(case_service(engine), reference)
        report = outbox_dispatcher(engine).dispatch_once()
    finally:
        uninstall_runtime()

    assert len(report.delivered) == 3 and not report.failed  # every step ran: nothing left to redeliver
    with engine.connect() as connection:
        notices = connection.execute(select(_notifications)).mappings().all()
        found = incidents.open_incidents(connection)
    assert notices and all(n["emailed_at"] is None and n["email_attempts"] == 1 + len(DELAYS) for n in notices)
    assert sorted(i.notification_id for i in found) == sorted(n["id"] for n in notices)
    assert all(i.kind == incidents.EMAIL_FAILED and i.flow_run_id for i in found)

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=list(run_tags(reference, "convene_icpc"))))
        )
    assert [run.state.type.value for run in runs if run.state] == ["FAILED"]

    recorder = Recorder()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    try:
        for incident in found:
            incident_retry.retry(engine, incident.id, channel, utc_now(), POLICIES)
    finally:
        server.stop()
    assert len(recorder.messages) == len(found)
    assert all(
        reference in message["Subject"] and "2016-05-01" not in message.as_string() for message in recorder.messages
    )
    with engine.connect() as connection:
        assert incidents.open_incidents(connection) == []
