"""SQLite WAL checkpoints on a thread of their own: the log is copied back into the database file as commits go on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from workflows.persistence import BackgroundCheckpoints, background_checkpoints, make_engine


def _write_rows(db: sqlite3.Connection, count: int) -> None:
    for number in range(count):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (payload) VALUES (?)", ("x" * 3000 + str(number),))
        db.execute("COMMIT")


def _writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # only the background checkpoints copy the log back
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    return db


def test_a_checkpoint_runs_every_so_many_commits_and_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = _writer(path)
    _write_rows(db, 50)  # about 50 pages of 4 KB, all in the log so far
    size_before = path.stat().st_size
    checkpoints = BackgroundCheckpoints(str(path), every=3)

    checkpoints.committed()
    checkpoints.committed()
    checkpoints.wait()
    assert path.stat().st_size == size_before  # not yet due: two commits of three

    checkpoints.committed()
    checkpoints.wait()

    assert path.stat().st_size >= size_before + 50 * 3000
    assert db.execute("SELECT count(*) FROM t").fetchone() == (50,)
    db.close()


def test_a_checkpoint_of_a_database_file_that_is_gone_does_not_create_it(tmp_path: Path) -> None:
    checkpoints = BackgroundCheckpoints(str(tmp_path / "c.db"), every=1)

    checkpoints.committed()
    checkpoints.wait()

    assert list(tmp_path.iterdir()) == []


def test_one_background_checkpointer_per_sqlite_file_and_none_for_other_databases(tmp_path: Path) -> None:
    first = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    again = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    other = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        assert background_checkpoints(first) is background_checkpoints(again)
        assert background_checkpoints(first) is not background_checkpoints(other)
        assert background_checkpoints(make_engine("sqlite://")) is None
        assert background_checkpoints(make_engine("postgresql+psycopg://caseflow@localhost/caseflow")) is None
    finally:
        for engine in (first, again, other):
            engine.dispose()
