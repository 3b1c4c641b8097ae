"""deadline sweep writes: no foreign keys on escalations nor on reminders' case id, a partial request-key index,
and on PostgreSQL the action id in the open-actions index

Measured on a first-ever sweep of 150,000 escalations (PostgreSQL 16): each foreign key cost 1.5-2 s of server
CPU, the request-key index (NULL for every sweep row) about 1 s. Why the foreign keys can go: EscalationRow's
module (workflows/persistence/models/escalations.py).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_REQUEST_KEY = sa.text("request_key IS NOT NULL")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalations_case_id_cases", type_="foreignkey")
        batch_op.drop_constraint("fk_escalations_action_id_actions", type_="foreignkey")
        batch_op.drop_constraint("uq_escalations_request_key", type_="unique")
        batch_op.create_index(
            "uq_escalations_request_key",
            ["request_key"],
            unique=True,
            sqlite_where=HAS_REQUEST_KEY,
            postgresql_where=HAS_REQUEST_KEY,
        )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reminders_case_id_cases", type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_actions_open_due_on", table_name="actions")
        op.create_index(
            "ix_actions_open_due_on",
            "actions",
            ["status", "due_on", "case_id"],
            unique=False,
            postgresql_where=OPEN,
            postgresql_include=["id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_actions_open_due_on", table_name="actions")
        op.create_index(
            "ix_actions_open_due_on", "actions", ["status", "due_on", "case_id"], unique=False, postgresql_where=OPEN
        )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_reminders_case_id_cases", "cases", ["case_id"], ["id"])
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("uq_escalations_request_key")
        batch_op.create_unique_constraint("uq_escalations_request_key", ["request_key"])
        batch_op.create_foreign_key("fk_escalations_action_id_actions", "actions", ["action_id"], ["id"])
        batch_op.create_foreign_key("fk_escalations_case_id_cases", "cases", ["case_id"], ["id"])
