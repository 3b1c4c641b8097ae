"""The transaction a trigger runs in: on SQLite a pooled driver connection with BEGIN IMMEDIATE and COMMIT on it.

SQLAlchemy's Connection, begin and commit cost more per trigger than SQLite's own commit, and so does checking a
connection out of the pool and back in (about 30 us a trigger, a tenth of it): a service keeps one connection
checked out for the thread that fires most (KeptConnection). Driver errors still surface as SQLAlchemy's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Dialect, Engine, PoolProxiedConnection
from sqlalchemy.exc import DBAPIError

__all__ = ["KeptConnection", "Transactional", "unit_of_work"]


class Transactional(Protocol):
    """What load and save write through: a SQLAlchemy Connection, or the lighter one unit_of_work gives on SQLite."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def connection(self) -> PoolProxiedConnection: ...


@dataclass(frozen=True)
class _PooledConnection:
    """A pooled driver connection and its dialect: all load and save need."""

    dialect: Dialect
    connection: PoolProxiedConnection


class KeptConnection:
    """One pooled connection kept checked out for the first thread that asks; other threads get None (the pool).

    One thread only, as the pool's size bounds the connections out at once. The connection stays the pool's: it
    goes back on `close`, after an error that may have left it unusable, or when this object is collected.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._owner: int | None = None
        self._connection: PoolProxiedConnection | None = None
        self._claim = threading.Lock()

    def take(self) -> PoolProxiedConnection | None:
        """The kept connection, for its owner thread (checked out on first use); None for any other thread."""
        me = threading.get_ident()
        if self._owner is None:
            with self._claim:
                if self._owner is None:
                    self._owner = me
        if self._owner != me:
            return None
        if self._connection is None:
            self._connection = self._engine.raw_connection()
        return self._connection

    def close(self) -> None:
        """Give the connection back to the pool (which resets it); the next `take` checks one out again."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


@contextmanager
def unit_of_work(engine: Engine, kept: KeptConnection | None = None) -> Iterator[Transactional]:
    """As `engine.begin()`, for load and save: a transaction committed when the block ends, rolled back on error.

    On SQLite it runs on `kept`'s connection when the calling thread owns it, else on one from the pool; the
    transaction is driven on the driver connection (BEGIN IMMEDIATE, as the engine's begin listener would emit).
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    held = kept.take() if kept is not None else None
    pooled = _PooledConnection(engine.dialect, held or engine.raw_connection())
    driver = pooled.connection.driver_connection
    assert driver is not None  # a checked-out connection has its driver connection
    try:
        _translated(pooled, "BEGIN IMMEDIATE", lambda: driver.execute("BEGIN IMMEDIATE"))
        try:
            yield pooled
            _translated(pooled, "COMMIT", driver.commit)
        except BaseException:
            driver.rollback()
            raise
    except BaseException:
        if kept is not None and held is not None and driver.in_transaction:
            kept.close()  # the rollback failed: the pool's reset deals with the connection, the next take gets another
        raise
    finally:
        if held is None:
            pooled.connection.close()  # back to the pool, which resets it as it would a Connection's


def _translated(connection: Transactional, statement: str, call: Callable[[], object]) -> None:
    # Driver errors surface as SQLAlchemy's (OperationalError for a busy database), as they did through engine.begin().
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        call()
    except dbapi_error as error:
        raise DBAPIError.instance(statement, (), error, dbapi_error) from error
