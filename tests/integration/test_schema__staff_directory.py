"""The staff directory migration carries each (role, team) row into the new tables, and back, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory

from tests.integration.sweep_builders import policies
from workflows.persistence import make_engine, schema
from workflows.services import StaffDirectory, StaffEntry, StaffMember, create_token, known_roles

RECORDED = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
OLD_ROWS = [("tm-north", "team_manager", "north"), ("sm", "service_manager", None), ("sw-1", "social_worker", "east")]


def _migration() -> Script:
    scripts = ScriptDirectory.from_config(schema.alembic_config("sqlite://"))
    return next(script for script in scripts.walk_revisions() if str(script.path).endswith("_staff_directory.py"))


@pytest.fixture
def before_directory(empty_database_url: str) -> Iterator[sa.Engine]:
    """A database at the revision before the directory, holding staff rows of the old shape."""
    engine = make_engine(empty_database_url)
    schema.upgrade(engine, str(_migration().down_revision))
    with engine.begin() as connection:
        for staff_id, role, team in OLD_ROWS:
            connection.execute(
                sa.text("INSERT INTO staff (id, role, team, created_at) VALUES (:id, :role, :team, :at)"),
                {"id": staff_id, "role": role, "team": team, "at": RECORDED},
            )
    yield engine
    engine.dispose()


def _old_rows(engine: sa.Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text("SELECT id, role, team FROM staff ORDER BY id"))]  # type: ignore[misc]


def test_each_old_row_becomes_an_active_member_with_its_role_and_team_and_no_e_mail(
    before_directory: sa.Engine,
) -> None:
    schema.upgrade(before_directory, _migration().revision)

    assert StaffDirectory(before_directory, known_roles(policies())).members() == [
        StaffMember("sm", None, ("service_manager",), (), True),
        StaffMember("sw-1", None, ("social_worker",), ("east",), True),
        StaffMember("tm-north", None, ("team_manager",), ("north",), True),
    ]


def test_downgrading_keeps_one_role_and_team_each_and_drops_who_the_old_table_cannot_hold(
    before_directory: sa.Engine,
) -> None:
    migration = _migration()
    schema.upgrade(before_directory, migration.revision)
    directory = StaffDirectory(before_directory, known_roles(policies()))
    directory.update("tm-north", email="tm@example.org", roles=["team_manager", "cp_chair"], teams=["south", "north"])
    directory.add(StaffEntry("gone", "gone@example.org", ("team_manager",), ("west",)))
    create_token(before_directory, "gone", days=5, timezone="Europe/London")
    directory.deactivate("gone")

    schema.downgrade(before_directory, str(migration.down_revision))

    assert _old_rows(before_directory) == [
        ("sm", "service_manager", None),
        ("sw-1", "social_worker", "east"),
        ("tm-north", "cp_chair", "north"),
    ]
    tables = set(sa.inspect(before_directory).get_table_names())
    assert not tables & {"staff_roles", "staff_teams", "api_tokens"}
    columns = {column["name"]: column["nullable"] for column in sa.inspect(before_directory).get_columns("staff")}
    assert columns == {"id": False, "role": False, "team": True, "created_at": False}
