"""Schema management: Alembic upgrade and downgrade from code and the CLI, and the check every command makes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine
from sqlalchemy.exc import DBAPIError

from workflows.errors import DatabaseMissing

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for another backend or an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def require_schema(engine: Engine) -> None:
    """Refuse a database that does not exist, cannot be reached, or has a schema other than the code's.

    Checked before anything connects: connecting to a SQLite file that is not there would create an empty one.
    """
    shown = engine.url.render_as_string(hide_password=True)
    upgrade_hint = "run `caseflow db upgrade` to create or migrate it"
    path = _sqlite_file(engine.url)
    if path is not None and not path.is_file():
        raise DatabaseMissing(f"application database {shown}: the file does not exist: {upgrade_hint}")
    try:
        current = current_revision(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise DatabaseMissing(
            f"application database {shown}: cannot connect ({reason}): check CASEFLOW_DATABASE_URL, then {upgrade_hint}"
        ) from None
    head = head_revision()
    if current != head:
        raise DatabaseMissing(
            f"application database {shown}: schema at revision {current or 'none'}, expected {head}: {upgrade_hint}"
        )
