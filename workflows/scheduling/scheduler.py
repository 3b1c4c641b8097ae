"""The scheduler process: APScheduler 3 runs the nightly sweep and the outbox dispatch job, under a database lease.

The dispatch job wakes the outbox workers (`caseflow worker`, which `caseflow up` runs); with no worker running it
delivers the outbox itself, one row after another, as a scheduler alone always has.

Only the lease holder runs an APScheduler at all (two running schedulers must never share one job store);
a second process waits as a hot standby and starts its scheduler once the lease has expired.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from workflows.bootstrap import current_runtime
from workflows.logs import get_logger
from workflows.persistence import SCHEDULER_JOBS_TABLE
from workflows.scheduling.errors import SweepTimeAmbiguous
from workflows.scheduling.lease import Lease

__all__ = [
    "NIGHTLY_MISFIRE_GRACE",
    "NIGHTLY_SWEEP_JOB",
    "OUTBOX_DISPATCH_JOB",
    "LeasedScheduler",
    "SchedulerConfig",
    "SweepTimeAmbiguous",
    "check_sweep_time",
    "dispatch_outbox",
    "install_jobs",
    "nightly_trigger",
    "run_nightly_sweep",
]

# Job ids are persisted in the job store: renaming one leaves the old job behind.
NIGHTLY_SWEEP_JOB = "nightly-sweep"
OUTBOX_DISPATCH_JOB = "outbox-dispatch"
# The newest missed nightly run is never more than a day (plus the clock-change hour) old, so this grace
# lets a scheduler that was down overnight, or for days, run exactly one catch-up sweep (coalesced) on start.
NIGHTLY_MISFIRE_GRACE = timedelta(hours=25)
# A worker seen this recently delivers the outbox, so the dispatch job only wakes it (workers record themselves every
# third of their claim lease, 30 s by default).
WORKERS_SEEN_WITHIN = timedelta(seconds=30)
log = get_logger("caseflow.scheduler")


@dataclass(frozen=True)
class SchedulerConfig:
    """When the jobs run, the lease timings, and the jobs themselves (textual references, as the store keeps them)."""

    timezone: str = "Europe/London"
    sweep_time: time = time(2, 30)
    dispatch_every: timedelta = timedelta(seconds=5)
    lease_ttl: timedelta = timedelta(seconds=30)
    renew_every: timedelta = timedelta(seconds=5)
    nightly_job: str = "workflows.scheduling.scheduler:run_nightly_sweep"
    dispatch_job: str = "workflows.scheduling.scheduler:dispatch_outbox"


def check_sweep_time(timezone: str, sweep_time: time, around: date) -> None:
    """Refuse a local time that does not exist, or exists twice, on some day of the year from `around`."""
    zone = ZoneInfo(timezone)
    for offset in range(366):
        moment = datetime.combine(around + timedelta(days=offset), sweep_time, tzinfo=zone)
        if moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset():
            raise SweepTimeAmbiguous(
                f"sweep time {sweep_time:%H:%M} is skipped or repeated on {moment:%Y-%m-%d} in {timezone} "
                "(clock change): choose a time outside that hour, e.g. 02:30 (CASEFLOW_SWEEP_TIME)"
            )


def nightly_trigger(config: SchedulerConfig) -> CronTrigger:
    """Every day at the sweep time, local time (day_of_week names would go here, never crontab numbers)."""
    return CronTrigger(hour=config.sweep_time.hour, minute=config.sweep_time.minute, timezone=ZoneInfo(config.timezone))


class _StoppingScheduler(BackgroundScheduler):
    """A BackgroundScheduler that processes no job once shut down.

    APScheduler 3.11 wakes its loop once more after `shutdown()`; a job due then is submitted to the closed
    executor, fails, and has its stored next run time moved on: a missed nightly run would be lost for good.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()  # type: ignore[no-any-return]


def build_scheduler(engine: Engine, config: SchedulerConfig) -> BackgroundScheduler:
    return _StoppingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=SCHEDULER_JOBS_TABLE),
            # The dispatch runs every few seconds: nothing to remember across restarts, so it stays in memory.
            "volatile": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=ZoneInfo(config.timezone),
    )


def install_jobs(scheduler: BackgroundScheduler, config: SchedulerConfig) -> None:
    """Add the jobs to a started (paused) scheduler, keeping a stored nightly job's missed run if its schedule holds."""
    trigger, grace = nightly_trigger(config), int(NIGHTLY_MISFIRE_GRACE.total_seconds())
    stored = scheduler.get_job(NIGHTLY_SWEEP_JOB, jobstore="default")
    # Replacing the job would reset its next run to the future and lose the catch-up run; only do it on change.
    if stored is None or repr(stored.trigger) != repr(trigger) or stored.func_ref != config.nightly_job:
        scheduler.add_job(
            config.nightly_job,
            trigger,
            id=NIGHTLY_SWEEP_JOB,
            jobstore="default",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=grace,
        )
    else:
        scheduler.modify_job(NIGHTLY_SWEEP_JOB, "default", coalesce=True, misfire_grace_time=grace)
    scheduler.add_job(
        config.dispatch_job,
        "interval",
        seconds=config.dispatch_every.total_seconds(),
        id=OUTBOX_DISPATCH_JOB,
        jobstore="volatile",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=max(1, int(config.dispatch_every.total_seconds() * 2)),
    )


def run_nightly_sweep() -> None:
    """The nightly job: E1's deadline-sweep flow for today's local date."""
    from workflows.bootstrap import load_settings
    from workflows.flows import deadline_sweep

    today = load_settings().today()
    deadline_sweep(as_of=today)


def dispatch_outbox() -> None:
    """The frequent job: wake the outbox workers, or, with none running, deliver the outbox in one pass itself."""
    from workflows.flows import dispatch_or_wake

    report = dispatch_or_wake(current_runtime().engine, WORKERS_SEEN_WITHIN, stop=HALTING)
    if report is not None and (report.delivered or report.failed):
        log.info("outbox_dispatched", delivered=len(report.delivered), failed=len(report.failed))


# Set while a scheduler in this process halts: the dispatch job stops between rows rather than starting flow runs
# that the shutting-down process would leave failed ("can't register atexit after shutdown").
HALTING = threading.Event()


class LeasedScheduler:
    """Runs the APScheduler only while holding the lease; otherwise waits as a standby."""

    def __init__(self, engine: Engine, config: SchedulerConfig, holder: str | None = None) -> None:
        self._engine, self.config = engine, config
        self.holder = holder or f"scheduler-{uuid.uuid4().hex[:12]}"
        self.lease = Lease(engine, self.holder, config.lease_ttl)
        self.scheduler: BackgroundScheduler | None = None
        self.active = threading.Event()
        self._killed = False
        self._renewed_at = 0.0

    def run(self, stop: threading.Event, on_change: Callable[[bool], None] | None = None) -> None:
        """Acquire or renew the lease every `renew_every` until `stop` is set; then stop and release."""
        while not stop.is_set():
            self._tick(on_change)
            stop.wait(self.config.renew_every.total_seconds())
        self._halt()
        if not self._killed:
            self.lease.release()

    def kill(self) -> None:
        """Stop acting without releasing the lease, as a crashed process would (the standby waits for expiry)."""
        self._killed = True
        self._halt()

    def _tick(self, on_change: Callable[[bool], None] | None) -> None:
        if self._killed:
            return
        try:
            holding = self.lease.acquire() if self.scheduler is None else self.lease.renew()
        except SQLAlchemyError as exc:
            # The database is briefly unreachable: keep acting only while our last renewal still covers us.
            log.warning("scheduler_lease_check_failed", holder=self.holder, error=type(exc).__name__)
            holding = (
                self.scheduler is not None and monotonic() - self._renewed_at < self.config.lease_ttl.total_seconds()
            )
        if holding:
            self._renewed_at = monotonic()
        if holding and self.scheduler is None:
            self._start()
        elif not holding and self.scheduler is not None:
            log.warning("scheduler_lease_lost", holder=self.holder)
            self._halt()
        else:
            return
        if on_change:
            on_change(holding)

    def _start(self) -> None:
        HALTING.clear()
        scheduler = build_scheduler(self._engine, self.config)
        scheduler.start(paused=True)
        install_jobs(scheduler, self.config)
        scheduler.resume()
        self.scheduler = scheduler
        self.active.set()
        log.info("scheduler_started", holder=self.holder)

    def _halt(self) -> None:
        if self.scheduler is not None:
            HALTING.set()
            # A clean stop lets the running job finish its current row; a simulated crash does not wait.
            self.scheduler.shutdown(wait=not self._killed)
            self.scheduler = None
        self.active.clear()
