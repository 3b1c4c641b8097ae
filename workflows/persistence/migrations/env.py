"""Alembic environment: runs on the connection or URL that workflows.persistence.schema hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from workflows.persistence.database import make_engine
from workflows.persistence.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    render_as_batch = connection.dialect.name == "sqlite"  # SQLite alters tables by copy
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=render_as_batch)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
