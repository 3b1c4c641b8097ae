"""INSERT ... SELECT of the rows a table lacks, on SQLite and PostgreSQL: rows already there by the table's unique key
are left out, and a row another writer adds meanwhile is skipped rather than failing the statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from workflows.sweep.context import sweep_log

__all__ = ["insert_missing"]


def _inserted(connection: Connection, statement: Any) -> int:
    # Without preserve_rowcount, SQLAlchemy leaves an INSERT's rowcount at -1 on PostgreSQL.
    return int(connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def insert_missing(
    connection: Connection,
    table: Table,
    key: Sequence[str],
    columns: Mapping[str, ColumnElement[Any]],
    source: Select[Any],
) -> int:
    """Insert `columns` (each column of `table` and its value) for every row of `source` whose unique `key` is not in
    `table` yet; how many rows are new."""
    already = select(literal(1)).where(*(table.c[name] == columns[name] for name in key))
    # Sorted by the key, so every row is found before the first one goes in, and they go in in index order. On the
    # sweep benchmark's first-ever sweep: PostgreSQL 1.7 s instead of 68 s (it planned the anti-join against a table
    # that looked empty and, streaming, rescanned the rows it had just added for each new row); SQLite 0.9 s CPU
    # instead of 1.2 s. (The anti-join's WHERE also keeps SQLite from reading ON CONFLICT as part of a join.)
    rows = source.with_only_columns(*columns.values()).where(~already.exists()).order_by(columns[key[0]])
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).from_select(list(columns), rows)
    if connection.dialect.name == "postgresql":
        # A plain INSERT first: ON CONFLICT's speculative insertion cost the first-ever sweep about 0.2 s more
        # server CPU on the benchmark (medians 1.13 s against 0.93 s). Only a writer that added one of the rows since
        # (a case transition) makes it fail; then, from the savepoint, the keyed INSERT below skips that row.
        try:
            with connection.begin_nested():
                return _inserted(connection, statement)
        except IntegrityError:
            sweep_log().info("sweep_insert_raced", table=table.name)
    return _inserted(connection, statement.on_conflict_do_nothing(index_elements=list(key)))
