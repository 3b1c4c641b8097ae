"""scheduler jobs: the stored nightly job names its function by the scheduling package's module path

APScheduler keeps a job's function as a textual reference ("module:function") inside the pickled job state. The
scheduler moved from `workflows.scheduler` to `workflows.scheduling.scheduler`, so a job stored before the move
could not be restored (APScheduler would drop it, and a nightly sweep missed while the scheduler was down would be
lost with it). This rewrites the reference in place and keeps everything else, the next run time included.

Revision ID: 0010
Revises: 0009
"""

import pickle
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = {
    "workflows.scheduler:run_nightly_sweep": "workflows.scheduling.scheduler:run_nightly_sweep",
    "workflows.scheduler:dispatch_outbox": "workflows.scheduling.scheduler:dispatch_outbox",
}
_jobs = sa.table("scheduler_jobs", sa.column("id", sa.String), sa.column("job_state", sa.LargeBinary))


def _rewrite(moves: dict[str, str]) -> None:
    connection = op.get_bind()
    for job_id, job_state in connection.execute(sa.select(_jobs.c.id, _jobs.c.job_state)).all():
        # Our own table, written by our own scheduler: the pickle is trusted as APScheduler itself trusts it.
        state = pickle.loads(job_state)
        if state.get("func") in moves:
            state["func"] = moves[state["func"]]
            new_state = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
            connection.execute(sa.update(_jobs).where(_jobs.c.id == job_id).values(job_state=new_state))


def upgrade() -> None:
    _rewrite(MOVED)


def downgrade() -> None:
    _rewrite({new: old for old, new in MOVED.items()})
