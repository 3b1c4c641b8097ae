"""Engine and session factory for the application database: SQLite (WAL) embedded, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite files get WAL, foreign keys and a busy timeout, and their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so a write lock is
        # taken at the start of each unit of work and concurrency conflicts surface as such.
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _begin_immediate(connection: Any) -> None:
    # On the driver connection itself: exec_driver_sql's bookkeeping cost about 40 us on every transaction.
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


# Every SQLite connection's settings (the lifecycle benchmark's bare sqlite3 baseline uses the same).
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "foreign_keys=ON",
    # In WAL mode: a commit appends to the log without waiting for the disk; a checkpoint syncs it.
    "synchronous=NORMAL",
    # Checkpoint when the log reaches 10,000 pages (about 40 MB) instead of SQLite's 1,000: a trigger writes about
    # 14 pages, so the default checkpoints every 70 or so triggers (two fsyncs, and the same hot index pages written
    # back again each time). Measured on the lifecycle benchmark: a third less wall time per commit, a tenth less CPU.
    "wal_autocheckpoint=10000",
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see make_engine)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


# A checkpoint on a thread of its own every this many trigger commits (about 11 log pages each): the log is copied
# back into the database and synced while triggers go on committing, instead of in the commit that crosses
# wal_autocheckpoint, which then has little left to do (on the lifecycle benchmark those commits waited about a
# sixth of the run's wall time, on the disk). The autocheckpoint still bounds the log, and rewinds it.
CHECKPOINT_EVERY = 400


class BackgroundCheckpoints:
    """SQLite WAL checkpoints of one database file, run on a short-lived thread every CHECKPOINT_EVERY commits.

    PASSIVE: it never waits for or blocks the writer or readers. A failed one changes nothing: the committing
    connection's own autocheckpoint (SQLITE_PRAGMAS) remains.
    """

    def __init__(self, path: str, every: int = CHECKPOINT_EVERY) -> None:
        self._path, self._every = path, every
        self._commits = 0
        self._running: threading.Thread | None = None

    def committed(self) -> None:
        """Count a commit; start a checkpoint when due and none is running."""
        self._commits += 1
        if self._commits < self._every:
            return
        self._commits = 0
        if self._running is not None and self._running.is_alive():
            return
        self._running = threading.Thread(target=self._checkpoint, name="sqlite-wal-checkpoint", daemon=True)
        self._running.start()

    def wait(self) -> None:
        """Wait for the running checkpoint, if any, to finish."""
        running = self._running
        if running is not None:
            running.join()

    def _checkpoint(self) -> None:
        try:
            # mode=rw: a database file that is gone is not created again, empty.
            uri = f"{Path(self._path).as_uri()}?mode=rw"
            connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # busy or gone: the next one, or the writer's autocheckpoint, does the work


_checkpoints: dict[str, BackgroundCheckpoints] = {}
_checkpoints_lock = threading.Lock()


def background_checkpoints(engine: Engine) -> BackgroundCheckpoints | None:
    """The background checkpoints of `engine`'s SQLite file (one per file in the process); None for other databases."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = str(Path(url.database).resolve())
    with _checkpoints_lock:
        return _checkpoints.setdefault(path, BackgroundCheckpoints(path))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
