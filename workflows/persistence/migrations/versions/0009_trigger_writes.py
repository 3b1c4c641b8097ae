"""trigger writes: no index on every action's (status, due_on)

Every query that reads actions by status and due date reads open ones, and the sweep's partial index of open
actions (ix_actions_open_due_on, migrations 0004 and 0007) serves them all; this index held every action ever
opened, done and cancelled ones too. A trigger that completes, cancels or moves an action rewrote two or three of
its pages, about a fifth of the pages a trigger commits on SQLite.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index("ix_actions_status_due_on")


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index("ix_actions_status_due_on", ["status", "due_on"], unique=False)
