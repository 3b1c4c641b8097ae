"""outbox claims: several workers deliver the outbox, one case at a time each, woken by NOTIFY on PostgreSQL

A worker claims the oldest undelivered row of a case for a lease (claimed_by, claimed_until) and renews it while
the row's run lasts; a worker that dies loses its claims when the lease runs out. `dispatch_workers` is each
worker's own record of itself (what `caseflow incidents` shows). On PostgreSQL every statement that inserts outbox
rows notifies the `caseflow_outbox` channel, delivered when its transaction commits, so a waiting worker claims the
new row at once instead of at its next poll. No new index: workers read pending rows by (delivered_at, id), as the
dispatcher did, and claim them by id.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel the workers LISTEN on (workflows/delivery/outbox_wakeup.py): a persisted contract, like a job id.
NOTIFY_FUNCTION = """
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('caseflow_outbox', '');
    RETURN NULL;
END;
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "dispatch_workers",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_dispatch_workers")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        # Per statement, not per row: one notification per insert, and PostgreSQL folds a transaction's identical
        # notifications into one at commit.
        op.execute(
            "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER outbox_notify ON outbox")
        op.execute("DROP FUNCTION outbox_notify()")
    op.drop_table("dispatch_workers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
