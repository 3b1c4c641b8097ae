"""pre-proceedings track: a second region of the case, kept beside its status

A case on a CP or CIN plan may run the pre-proceedings track (Public Law Outline, with the FGDM duty of s.31ZA
Children Act 1989) while its status stays where the plan is. The track's state is its own column, 'none' when no
pre-proceedings are open, so every existing case starts with none open. The facts of each episode live in the
case's facts like the other dated facts; no index: nothing reads cases by their track.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pre_proceedings", sa.String(length=32), nullable=False, server_default=sa.text("'none'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pre_proceedings")
