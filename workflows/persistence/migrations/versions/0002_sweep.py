"""deadline sweep: reminders, escalations (sweep and manual), sweep progress, staff

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:38:36.428951
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    op.create_table(
        "sweep_progress",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("as_of", "due_on", name=op.f("pk_sweep_progress")),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("working_days_overdue", sa.Integer(), nullable=True),
        sa.Column("swept_on", sa.Date(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=True),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_escalations_action_id_actions")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_escalations_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("action_id", "level", "due_on", name=op.f("uq_escalations_action_id")),
        sa.UniqueConstraint("request_key", name=op.f("uq_escalations_request_key")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_escalations_swept_on", ["swept_on"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("swept_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_reminders_action_id_actions")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reminders_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("action_id", "due_on", name=op.f("uq_reminders_action_id")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_swept_on"), ["swept_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_swept_on"))

    op.drop_table("reminders")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_swept_on")
        batch_op.drop_index(batch_op.f("ix_escalations_case_id"))

    op.drop_table("escalations")
    op.drop_table("sweep_progress")
    op.drop_table("staff")
