"""child identity on the case: the authority's own child id, sex and UPN (personal, like the date of birth)

The child id links a child's cases, so a second plan counts the first (census NumberOfPreviousCPP, the
"second or later plans" measure) and the census groups a child's cases as one Child.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("child_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("upn", sa.String(length=13), nullable=True))
        batch_op.create_index("ix_cases_child_id", ["child_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_child_id")
        batch_op.drop_column("upn")
        batch_op.drop_column("sex")
        batch_op.drop_column("child_id")
