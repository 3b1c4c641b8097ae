"""A job store written before the scheduler moved to `workflows.scheduling` keeps working after an upgrade."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from workflows.persistence import SCHEDULER_JOBS_TABLE, Base, schema
from workflows.scheduling import NIGHTLY_SWEEP_JOB, SchedulerConfig, build_scheduler, install_jobs

LONDON = ZoneInfo("Europe/London")
# Written out by hand, as the job store of an earlier release holds it: not taken from the code under test.
OLD_NIGHTLY_REFERENCE = "workflows.scheduler:run_nightly_sweep"
NEW_NIGHTLY_REFERENCE = "workflows.scheduling.scheduler:run_nightly_sweep"
_jobs = Base.metadata.tables[SCHEDULER_JOBS_TABLE]


def _store_nightly_job_as_an_earlier_release_did(engine: Engine, next_run: datetime) -> None:
    config = SchedulerConfig()
    scheduler = build_scheduler(engine, config)
    scheduler.start(paused=True)  # paused: it stores the job and runs nothing
    install_jobs(scheduler, config)
    scheduler.modify_job(NIGHTLY_SWEEP_JOB, "default", next_run_time=next_run)
    scheduler.shutdown()
    with engine.begin() as connection:
        state = pickle.loads(connection.execute(select(_jobs.c.job_state)).scalar_one())
        assert state["func"] == NEW_NIGHTLY_REFERENCE
        state["func"] = OLD_NIGHTLY_REFERENCE
        connection.execute(update(_jobs).values(job_state=pickle.dumps(state)))


@pytest.mark.both_databases  # the job store is a table of its own; SQLite and PostgreSQL store its pickles alike
@pytest.mark.fresh_database  # it takes the schema back to 0009 and up again
def test_a_nightly_job_stored_under_the_old_module_path_is_kept_with_its_missed_run_after_upgrade(
    engine: Engine,
) -> None:
    missed = datetime.now(LONDON).replace(microsecond=0) - timedelta(days=2)
    _store_nightly_job_as_an_earlier_release_did(engine, missed)
    schema.downgrade(engine, "0009")  # the schema of the release that wrote that job store

    before = build_scheduler(engine, SchedulerConfig())
    before.start(paused=True)
    with pytest.raises(LookupError):  # what the move alone would do to it: the job cannot be restored
        before.get_job(NIGHTLY_SWEEP_JOB, jobstore="default")
    before.shutdown()

    schema.upgrade(engine)
    config = SchedulerConfig()
    scheduler = build_scheduler(engine, config)
    scheduler.start(paused=True)
    install_jobs(scheduler, config)
    job = scheduler.get_job(NIGHTLY_SWEEP_JOB, jobstore="default")
    scheduler.shutdown()

    assert job is not None
    assert job.func_ref == NEW_NIGHTLY_REFERENCE
    assert job.next_run_time == missed  # the missed night is still due: the scheduler runs it once on start
