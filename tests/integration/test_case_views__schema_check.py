"""The one schema check every read or write command makes: a missing, empty or unreachable database is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ports import free_port
from workflows.errors import DatabaseMissing
from workflows.persistence import make_engine, schema

pytestmark = pytest.mark.both_databases


def test_a_sqlite_file_that_does_not_exist_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "caseflow.db"
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(DatabaseMissing, match=r"caseflow\.db: the file does not exist: run `caseflow db upgrade`"):
        schema.require_schema(engine)
    assert not path.exists()


def test_a_database_without_the_schema_says_which_revision_is_expected(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    if engine.url.get_backend_name() == "sqlite":
        with engine.begin() as connection:  # the file exists, with a table that is not ours
            connection.execute(sa.text("CREATE TABLE other (id INTEGER)"))
    try:
        with pytest.raises(DatabaseMissing, match=r"schema at revision none, expected \w+: run `caseflow db upgrade`"):
            schema.require_schema(engine)
    finally:
        engine.dispose()


def test_a_migrated_database_passes(engine: sa.Engine) -> None:
    schema.require_schema(engine)


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    engine = make_engine(f"postgresql+psycopg://caseflow:s3cret@127.0.0.1:{free_port()}/caseflow")
    with pytest.raises(DatabaseMissing) as raised:
        schema.require_schema(engine)
    message = str(raised.value)
    assert "cannot connect" in message and "caseflow:***@127.0.0.1" in message
    assert "s3cret" not in message and "\n" not in message
