"""trigger writes: no index on the outbox's case reference

Every trigger inserts an outbox row, and each index over it is one more page written per commit (about one in
twelve of a trigger's pages on SQLite). Nothing reads the outbox by case reference through it: the dispatcher
reads pending rows by (delivered_at, id), the case-transition flow by id, the demo reset by a reference prefix
(LIKE, which this index does not serve). The unique idempotency key stays.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_case_reference")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_case_reference", ["case_reference"], unique=False)
