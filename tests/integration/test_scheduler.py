"""The scheduler: one acting instance under a database lease, a hot standby, a catch-up sweep, clock changes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from workflows.persistence import SchedulerLeaseRow
from workflows.scheduling import (
    NIGHTLY_SWEEP_JOB,
    LeasedScheduler,
    SchedulerConfig,
    SweepTimeAmbiguous,
    build_scheduler,
    check_sweep_time,
    nightly_trigger,
)

pytestmark = pytest.mark.both_databases

NIGHTLY_RUNS: list[datetime] = []
NIGHTLY_RAN = threading.Event()


def record_nightly_run() -> None:
    """Stands in for the deadline sweep: the job store keeps this function's reference."""
    NIGHTLY_RUNS.append(datetime.now(UTC))
    NIGHTLY_RAN.set()


def dispatch_nothing() -> None:
    """Stands in for the outbox dispatch."""


FAST = SchedulerConfig(
    dispatch_every=timedelta(seconds=0.5),
    lease_ttl=timedelta(seconds=1.5),
    renew_every=timedelta(seconds=0.2),
    nightly_job=f"{__name__}:record_nightly_run",
    dispatch_job=f"{__name__}:dispatch_nothing",
)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _fresh_runs() -> None:
    NIGHTLY_RUNS.clear()
    NIGHTLY_RAN.clear()


class Running:
    """A LeasedScheduler on its own thread, stopped at the end of the test."""

    def __init__(self, engine: Engine, holder: str) -> None:
        self.instance = LeasedScheduler(engine, FAST, holder)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.instance.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def end(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@pytest.fixture
def schedulers(engine: Engine) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for running in started:
        running.end()


def _holder(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(SchedulerLeaseRow.__table__.c.holder)).scalar_one_or_none()


def test_a_second_scheduler_waits_as_a_hot_standby_and_takes_over_when_the_first_dies(
    engine: Engine, schedulers: list[Running]
) -> None:
    first = Running(engine, "first")
    schedulers.append(first)
    assert first.instance.active.wait(timeout=10)
    second = Running(engine, "second")
    schedulers.append(second)

    # Several renewals later the standby still waits: it never started a scheduler on the shared job store.
    assert not second.instance.active.wait(timeout=FAST.lease_ttl.total_seconds() * 2)
    assert second.instance.scheduler is None and _holder(engine) == "first"

    first.instance.kill()  # dies without releasing the lease
    assert second.instance.active.wait(timeout=FAST.lease_ttl.total_seconds() + 10)
    assert _holder(engine) == "second"
    assert second.instance.scheduler is not None
    assert second.instance.scheduler.get_job(NIGHTLY_SWEEP_JOB) is not None


def test_a_stopped_scheduler_releases_the_lease_so_the_standby_takes_over_at_once(
    engine: Engine, schedulers: list[Running]
) -> None:
    first = Running(engine, "first")
    assert first.instance.active.wait(timeout=10)
    first.end()
    assert _holder(engine) is None


def test_a_scheduler_down_overnight_runs_one_catch_up_sweep_on_start(engine: Engine, schedulers: list[Running]) -> None:
    # A job store left by a scheduler that stopped two nights ago: its next run is long past.
    previous = build_scheduler(engine, FAST)
    previous.add_job(
        FAST.nightly_job,
        nightly_trigger(FAST),
        id=NIGHTLY_SWEEP_JOB,
        jobstore="default",
        next_run_time=datetime.now(LONDON) - timedelta(days=2),
    )
    previous.start(paused=True)  # paused: it stores the job and runs nothing
    previous.shutdown()

    running = Running(engine, "restarted")
    schedulers.append(running)
    assert NIGHTLY_RAN.wait(timeout=15)

    assert running.instance.scheduler is not None
    job = running.instance.scheduler.get_job(NIGHTLY_SWEEP_JOB)
    assert job is not None and job.next_run_time > datetime.now(LONDON)  # caught up: nothing else is due
    assert len(NIGHTLY_RUNS) == 1


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        (datetime(2026, 3, 28, 12, 0, tzinfo=LONDON), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # clocks go forward
        (datetime(2026, 3, 29, 12, 0, tzinfo=LONDON), datetime(2026, 3, 30, 1, 30, tzinfo=UTC)),
        (datetime(2026, 10, 24, 12, 0, tzinfo=LONDON), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),  # clocks go back
        (datetime(2026, 10, 25, 12, 0, tzinfo=LONDON), datetime(2026, 10, 26, 2, 30, tzinfo=UTC)),
    ],
)
def test_the_nightly_sweep_runs_once_a_night_at_half_past_two_london_time_across_clock_changes(
    after: datetime, expected_utc: datetime
) -> None:
    trigger = nightly_trigger(SchedulerConfig())
    assert trigger.get_next_fire_time(None, after) == expected_utc


@pytest.mark.parametrize("sweep_time", [time(1, 0), time(1, 30), time(1, 59)])
def test_a_sweep_time_in_the_hour_the_clocks_change_is_refused(sweep_time: time) -> None:
    with pytest.raises(SweepTimeAmbiguous, match=r"skipped or repeated on 2026-(03-29|10-25) in Europe/London"):
        check_sweep_time("Europe/London", sweep_time, date(2026, 1, 1))


def test_a_sweep_time_outside_the_clock_change_hour_is_accepted() -> None:
    for sweep_time in (time(0, 30), time(2, 0), time(2, 30), time(23, 59)):
        check_sweep_time("Europe/London", sweep_time, date(2026, 1, 1))
