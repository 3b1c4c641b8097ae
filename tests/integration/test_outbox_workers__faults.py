"""Outbox workers through faults, with real case-transition runs: a worker killed mid-run, Prefect down a while."""

from __future__ import annotations

import signal
import socket
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import Engine, select

from tests.e2e.cli import clean_environment, read_until
from tests.integration.transition_fixtures import case_service, installed_runtime
from tests.integration.worker_fixtures import (
    SwitchablePrefect,
    fire_round_robin,
    running_workers,
    start_worker_process,
    undelivered,
    wait_until,
)
from workflows.bootstrap import Runtime
from workflows.delivery import prefect_is_up
from workflows.flows import deliver_to_prefect, transition_runs
from workflows.persistence import NotificationRow, OutboxRow
from workflows.settings import utc_now

pytestmark = pytest.mark.both_databases  # claims, leases and NOTIFY differ by dialect
__all__ = ["installed_runtime"]

_outbox = OutboxRow.__table__
LEASE_SECONDS = 4


def _held_by(engine: Engine, name: str) -> list[int]:
    with engine.connect() as connection:
        query = select(_outbox.c.id).where(
            _outbox.c.claimed_by == name, _outbox.c.claimed_until > utc_now(), _outbox.c.delivered_at.is_(None)
        )
        return list(connection.execute(query).scalars())


def _completed_runs(prefix: str) -> Counter[int]:
    """Completed case-transition runs per outbox row, for the cases whose reference starts with `prefix`."""
    counts: Counter[int] = Counter()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_=prefix)), limit=200)
    for run in runs:
        if run.state is not None and run.state.is_completed():
            counts[int(run.parameters["outbox_id"])] += 1
    return counts


def test_a_worker_killed_mid_run_has_its_rows_delivered_by_another_within_the_lease_nothing_lost_or_doubled(
    engine: Engine, database_url: str, prefect_harness: str, tmp_path: Path
) -> None:
    env = clean_environment(
        CASEFLOW_DATABASE_URL=database_url,
        CASEFLOW_DATA_DIR=str(tmp_path / "data"),
        CASEFLOW_PREFECT_API_URL=prefect_harness,
    )
    options = ("--concurrency", "3", "--lease-seconds", str(LEASE_SECONDS), "--poll-seconds", "0.1")
    doomed, survivor = (start_worker_process(env, tmp_path, *options) for _ in range(2))
    prefix = f"K{uuid.uuid4().hex[:6]}-"
    try:
        for process in (doomed, survivor):
            read_until(process, "runs at once", timeout=120)
        fire_round_robin(case_service(engine), [f"{prefix}{n}" for n in range(8)], triggers=3)
        name = f"worker-{socket.gethostname()}-{doomed.pid}"
        wait_until(lambda: bool(_held_by(engine, name)), timeout=60, what="the doomed worker holding a row", every=0.01)
        held = _held_by(engine, name)
        doomed.send_signal(signal.SIGKILL)  # dies mid-run, its claims still on the rows
        killed_at = time.monotonic()

        wait_until(lambda: undelivered(engine) == 0, timeout=120, what="every row delivered by the survivor")
        # Its rows waited out the lease, then went at the survivor's next look (a poll, or a run finishing).
        assert time.monotonic() - killed_at < LEASE_SECONDS + 30
    finally:
        for process in (doomed, survivor):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)

    with engine.connect() as connection:
        rows = connection.execute(select(_outbox.c.id, _outbox.c.claimed_by, _outbox.c.attempts)).all()
        keys = connection.execute(select(NotificationRow.__table__.c.key)).scalars().all()
    assert len(rows) == 24  # nothing lost: every row there, and (above) every one delivered
    runs = _completed_runs(prefix)
    assert set(runs) == {row.id for row in rows}
    assert all(count == 1 for outbox_id, count in runs.items() if outbox_id not in held)
    assert all(count <= 2 for count in runs.values())  # a killed run may have completed before its mark
    assert len(keys) == len(set(keys))  # every notice once, however often its row ran


def test_prefect_down_for_a_while_then_back_the_backlog_drains_and_no_attempt_is_counted(
    engine: Engine, database_url: str, prefect_harness: str, installed_runtime: Runtime
) -> None:
    prefect = SwitchablePrefect(prefect_harness)
    prefect.up()
    prefix = f"D{uuid.uuid4().hex[:6]}-"
    service = case_service(engine)
    with (
        temporary_settings(updates={PREFECT_API_URL: prefect.api_url}),
        running_workers(
            database_url,
            deliver_to_prefect,
            count=1,
            is_ready=prefect_is_up,
            thread_context=transition_runs,
            ready_every=timedelta(0),  # ask Prefect before every claim, so the outage is seen before any run
        ) as [worker],
    ):
        fire_round_robin(service, [f"{prefix}up"], triggers=2)
        wait_until(lambda: undelivered(engine) == 0, timeout=60, what="delivery while Prefect is up")

        prefect.down()
        fire_round_robin(service, [f"{prefix}{n}" for n in range(5)], triggers=2)
        wait_until(lambda: worker.postponed, timeout=30, what="the worker waiting for Prefect")
        assert undelivered(engine) == 10

        prefect.up()
        wait_until(lambda: undelivered(engine) == 0, timeout=120, what="the backlog drained once Prefect is back")
    prefect.down()

    with engine.connect() as connection:
        attempts = connection.execute(select(_outbox.c.attempts)).scalars().all()
    assert attempts == [1] * 12  # the outage counted against no row
