"""allocation: a case's allocated worker, digests per allocated worker, and how a manual escalation came in

`cases.allocated_worker` is the staff id of the social worker who holds the case. A sweep digest for the allocated
role is kept per worker (`sweep_digests.staff_id`, "" for a role's recipients), so its key gains the column.
`escalations.raised_via` records how a manual escalation came in (the CLI, the API, or the Prefect UI on behalf of
the named manager).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIGEST_KEY = "uq_sweep_digests_as_of"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allocated_worker", sa.String(length=64), nullable=True))
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raised_via", sa.String(length=32), nullable=True))
    with op.batch_alter_table("sweep_digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.String(length=64), nullable=False, server_default=""))
        batch_op.drop_constraint(DIGEST_KEY, type_="unique")
        batch_op.create_unique_constraint(DIGEST_KEY, ["as_of", "recipient_role", "team", "staff_id"])
    with op.batch_alter_table("sweep_digests", schema=None) as batch_op:
        batch_op.alter_column("staff_id", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sweep_digests", schema=None) as batch_op:
        batch_op.drop_constraint(DIGEST_KEY, type_="unique")
        batch_op.create_unique_constraint(DIGEST_KEY, ["as_of", "recipient_role", "team"])
        batch_op.drop_column("staff_id")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("raised_via")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("allocated_worker")
