"""The scheduler process: APScheduler 3 running the nightly sweep and the outbox dispatch, under a database lease so
that one scheduler acts at a time.
"""

from workflows.scheduling.errors import SweepTimeAmbiguous
from workflows.scheduling.scheduler import (
    NIGHTLY_SWEEP_JOB,
    LeasedScheduler,
    SchedulerConfig,
    build_scheduler,
    check_sweep_time,
    install_jobs,
    nightly_trigger,
)

__all__ = [
    "NIGHTLY_SWEEP_JOB",
    "LeasedScheduler",
    "SchedulerConfig",
    "SweepTimeAmbiguous",
    "build_scheduler",
    "check_sweep_time",
    "install_jobs",
    "nightly_trigger",
]
