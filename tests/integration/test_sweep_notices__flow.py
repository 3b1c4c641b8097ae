"""The deadline-sweep flow tells what it raised: digests e-mailed within its task-run bound; SMTP down -> retried,
an incident per digest that `caseflow incidents` lists, a failed run, and every batch of the sweep done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.integration.smtp_recorder import Recorder
from tests.integration.sweep_builders import policies, row_counts
from tests.integration.test_sweep_notices import AS_OF, CHILD_NAME, SENDER, build_caseload
from tests.ports import free_port
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.cli import app
from workflows.delivery import SmtpChannel, incidents
from workflows.flows import deadline_sweep, max_task_runs
from workflows.persistence import SweepDigestRow, SweepProgressRow

DELAYS = (0.05, 0.1)
MAX_BATCHES = 2
_digests = SweepDigestRow.__table__
_progress = SweepProgressRow.__table__


@pytest.fixture
def smtp_port(engine: Engine, prefect_harness: str) -> Iterator[int]:
    """A port for the SMTP server, and a runtime e-mailing it with short retry delays."""
    port = free_port()
    channel = SmtpChannel("127.0.0.1", port, SENDER, timeout=2)
    install_runtime(Runtime(engine, policies(), email=channel, email_retry_delays=DELAYS))
    yield port
    uninstall_runtime()


def _task_runs(flow_run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return [run.name for run in runs]


def _serving(port: int) -> Controller:
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_the_flow_emails_one_digest_per_recipient_within_its_task_run_bound_and_a_rerun_sends_none(
    engine: Engine, smtp_port: int
) -> None:
    build_caseload(engine)
    server = _serving(smtp_port)
    try:
        first = deadline_sweep(as_of=AS_OF, max_batches=MAX_BATCHES, return_state=True)
        second = deadline_sweep(as_of=AS_OF, max_batches=MAX_BATCHES, return_state=True)
    finally:
        server.stop()

    assert first.is_completed() and second.is_completed(), (first.message, second.message)
    recorder: Recorder = server.handler
    assert len(recorder.messages) == 5  # the five recipients of build_caseload, once each
    assert all(CHILD_NAME not in message.as_string() for message in recorder.messages)
    for state in (first, second):
        assert state.state_details.flow_run_id is not None
        names = _task_runs(state.state_details.flow_run_id)
        assert len(names) <= max_task_runs(MAX_BATCHES)
        assert "email-sweep-digests" in " ".join(names)


def test_smtp_down_retries_then_an_incident_per_digest_a_failed_run_and_the_sweep_done(
    engine: Engine, smtp_port: int, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_caseload(engine)

    state = deadline_sweep(as_of=AS_OF, max_batches=MAX_BATCHES, return_state=True)

    assert state.is_failed() and "5 digest e-mail(s) not sent" in str(state.message)
    flow_run_id = str(state.state_details.flow_run_id)
    with engine.connect() as connection:
        assert all(done_at is not None for done_at in connection.execute(select(_progress.c.done_at)).scalars())
        digests = connection.execute(select(_digests)).mappings().all()
        found = incidents.open_incidents(connection)
    # Six actions: one reminder and five escalations, every one written although the e-mail failed.
    assert row_counts(engine) == (5, 1)
    assert len(digests) == 5
    assert all(d["emailed_at"] is None and d["email_attempts"] == 1 + len(DELAYS) for d in digests)
    assert sorted(i.digest_id for i in found) == sorted(d["id"] for d in digests)
    assert all(i.kind == incidents.DIGEST_EMAIL_FAILED and i.flow_run_id == flow_run_id for i in found)
    assert any("to team_manager of team north (1 actions)" in i.error for i in found)

    monkeypatch.setenv("CASEFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("CASEFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CASEFLOW_LOG_LEVEL", "WARNING")
    listed = CliRunner().invoke(app, ["incidents", "--json"])
    assert listed.exit_code == 0, listed.output
    assert sorted(i["digest_id"] for i in json.loads(listed.stdout)["incidents"]) == sorted(d["id"] for d in digests)
    text = CliRunner().invoke(app, ["incidents"]).stdout
    assert text.count("digest_email_failed  sweep digest") == 5 and flow_run_id in text

    # SMTP back: operations staff retry one incident by hand; the next sweep of that date sends the rest.
    monkeypatch.setenv("CASEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CASEFLOW_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("CASEFLOW_SMTP_SENDER", SENDER)
    server = _serving(smtp_port)
    try:
        retried = CliRunner().invoke(app, ["incidents", "retry", str(found[0].id)])
        assert retried.exit_code == 0 and "e-mailed; incident resolved" in retried.stdout, retried.output
        rerun = deadline_sweep(as_of=AS_OF, max_batches=MAX_BATCHES, return_state=True)
    finally:
        server.stop()
    assert rerun.is_completed(), rerun.message
    assert len(server.handler.messages) == 5  # one by hand, four by the rerun: each digest once
    with engine.connect() as connection:
        assert incidents.open_incidents(connection) == []
