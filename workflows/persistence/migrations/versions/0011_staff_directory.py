"""staff directory: an e-mail, several roles, several teams and deactivation per member of staff; API tokens

Each existing staff row (id, role, team) becomes a member with that one role and that team (none when the team was
empty: service-wide), active, with no e-mail until `caseflow staff update ID --email ...` gives one.

The downgrade cannot express everything: each member keeps one role and one team, the first of each in alphabetical
order, which never grants more than the directory did; deactivated members and members without a role are removed
(the old table had no way to say they may not act); e-mails and tokens are dropped.

The rows are carried through Python, not INSERT ... SELECT: on SQLite the staff table is rebuilt by copy, and it
cannot be dropped while rows of the new tables refer to it. The staff table is a few hundred rows at most.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_old_staff = sa.table("staff", sa.column("id", sa.String), sa.column("role", sa.String), sa.column("team", sa.String))
_new_staff = sa.table("staff", sa.column("id", sa.String), sa.column("deactivated_at", sa.DateTime))


def _create_directory_tables() -> tuple[sa.Table, sa.Table]:
    roles = op.create_table(
        "staff_roles",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_roles_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", "role", name=op.f("pk_staff_roles")),
    )
    teams = op.create_table(
        "staff_teams",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_teams_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", "team", name=op.f("pk_staff_teams")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_api_tokens_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_staff_id"), ["staff_id"], unique=False)
    assert roles is not None and teams is not None
    return roles, teams


def upgrade() -> None:
    connection = op.get_bind()
    old = connection.execute(sa.select(_old_staff.c.id, _old_staff.c.role, _old_staff.c.team)).all()
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column("team")
        batch_op.drop_column("role")
    roles, teams = _create_directory_tables()
    if old:
        op.bulk_insert(roles, [{"staff_id": row.id, "role": row.role} for row in old])
    with_team = [{"staff_id": row.id, "team": row.team} for row in old if row.team is not None]
    if with_team:
        op.bulk_insert(teams, with_team)


def _first_of_each(table: str, column: str) -> dict[str, str]:
    """Each member's first value of `column` in `table`, in alphabetical order."""
    rows = op.get_bind().execute(sa.text(f"SELECT staff_id, {column} FROM {table} ORDER BY staff_id, {column}"))
    first: dict[str, str] = {}
    for staff_id, value in rows:
        first.setdefault(staff_id, value)
    return first


def downgrade() -> None:
    connection = op.get_bind()
    role_of, team_of = _first_of_each("staff_roles", "role"), _first_of_each("staff_teams", "team")
    active = connection.execute(sa.select(_new_staff.c.id).where(_new_staff.c.deactivated_at.is_(None))).scalars()
    kept = [staff_id for staff_id in active if staff_id in role_of]
    op.drop_table("api_tokens")
    op.drop_table("staff_teams")
    op.drop_table("staff_roles")
    connection.execute(sa.delete(_new_staff).where(_new_staff.c.id.not_in(kept)))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("team", sa.String(length=64), nullable=True))
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("email")
    for staff_id in kept:
        values = {"role": role_of[staff_id], "team": team_of.get(staff_id)}
        connection.execute(sa.update(_old_staff).where(_old_staff.c.id == staff_id).values(**values))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=32), nullable=False)
