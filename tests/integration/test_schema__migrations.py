"""Alembic owns the schema: the whole chain upgrades and downgrades cleanly on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from workflows.persistence import Base, make_engine, schema

pytestmark = pytest.mark.both_databases


def test_the_full_migration_chain_upgrades_then_downgrades_to_nothing(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        schema.upgrade(engine)
        assert schema.is_current(engine)
        tables = set(sa.inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables

        schema.downgrade(engine, "base")
        assert schema.current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}

        schema.upgrade(engine)  # and back up again: downgrades left nothing behind that blocks a re-run
        assert schema.is_current(engine)
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
    finally:
        engine.dispose()
