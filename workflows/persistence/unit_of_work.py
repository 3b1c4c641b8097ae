"""The transaction a trigger runs in: on SQLite a pooled driver connection with BEGIN IMMEDIATE and COMMIT on it.

SQLAlchemy's Connection, begin and commit cost more per trigger than SQLite's own commit, and so does checking a
connection out of the pool and back in (about 30 us a trigger, a tenth of it): a service keeps one connection
checked out for the thread that fires most (KeptConnection). Driver errors still surface as SQLAlchemy's.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import NamedTuple, Protocol

from sqlalchemy import Dialect, Engine, PoolProxiedConnection
from sqlalchemy.exc import DBAPIError

from workflows.persistence.database import background_checkpoints

__all__ = ["KeptConnection", "Transactional", "unit_of_work"]


class Transactional(Protocol):
    """What load and save write through: a SQLAlchemy Connection, or the lighter one unit_of_work gives on SQLite."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def connection(self) -> PoolProxiedConnection: ...


class _PooledConnection(NamedTuple):
    """A pooled driver connection and its dialect: all load and save need (a tuple: the cheapest to build)."""

    dialect: Dialect
    connection: PoolProxiedConnection


class KeptConnection:
    """One pooled connection kept checked out for the first thread that asks; other threads get None (the pool).

    One thread only, as the pool's size bounds the connections out at once. The connection stays the pool's: it
    goes back on `close`, after an error that may have left it unusable, or when this object is collected.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.checkpoints = background_checkpoints(engine)
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


def unit_of_work(engine: Engine, kept: KeptConnection | None = None) -> AbstractContextManager[Transactional]:
    """As `engine.begin()`, for load and save: a transaction committed when the block ends, rolled back on error.

    On SQLite it runs on `kept`'s connection when the calling thread owns it, else on one from the pool; the
    transaction is driven on the driver connection (BEGIN IMMEDIATE, as the engine's begin listener would emit).
    """
    if engine.dialect.name != "sqlite":
        return engine.begin()
    return _SqliteTransaction(engine, kept)


class _SqliteTransaction:
    """unit_of_work on SQLite. A class rather than a generator: its enter and exit cost a third as much."""

    def __init__(self, engine: Engine, kept: KeptConnection | None) -> None:
        self._kept = kept
        self._held = kept.take() if kept is not None else None
        self._checkpoints = kept.checkpoints if kept is not None else background_checkpoints(engine)
        self._pooled = _PooledConnection(engine.dialect, self._held or engine.raw_connection())
        driver = self._pooled.connection.driver_connection
        assert driver is not None  # a checked-out connection has its driver connection
        self._driver = driver

    def __enter__(self) -> Transactional:
        try:
            self._driver.execute("BEGIN IMMEDIATE")
        except BaseException as error:
            self._release()
            _raise_translated(self._pooled, "BEGIN IMMEDIATE", error)
            raise
        return self._pooled

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        try:
            if error_type is None:
                try:
                    self._driver.commit()
                except BaseException as error:
                    self._driver.rollback()
                    _raise_translated(self._pooled, "COMMIT", error)
                    raise
                if self._checkpoints is not None:
                    self._checkpoints.committed()
            else:
                self._driver.rollback()
        except BaseException:
            if self._held is not None and self._kept is not None and self._driver.in_transaction:
                self._kept.close()  # the rollback failed: the pool's reset deals with it, the next take gets another
            raise
        finally:
            self._release()

    def _release(self) -> None:
        if self._held is None:
            self._pooled.connection.close()  # back to the pool, which resets it as it would a Connection's


def _raise_translated(connection: Transactional, statement: str, error: BaseException) -> None:
    # Driver errors surface as SQLAlchemy's (OperationalError for a busy database), as they did through engine.begin().
    dbapi_error = connection.dialect.loaded_dbapi.Error
    if isinstance(error, dbapi_error):
        raise DBAPIError.instance(statement, (), error, dbapi_error) from error
