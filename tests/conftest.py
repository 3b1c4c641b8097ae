"""Shared fixtures: a real PostgreSQL for the session, and a fresh migrated database per test on each backend.

Every test that asks for `database_url` (or `engine`) runs twice: once on a SQLite file, once on PostgreSQL 16
started from the pgserver wheel. If PostgreSQL cannot start, those tests fail with the reason; they never skip.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from workflows.persistence import make_engine, schema

pytest_plugins = ["tests.prefect_harness"]

BACKENDS = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)


class PostgresServer:
    """A PostgreSQL server for the test session, with a migrated template database to clone per test."""

    def __init__(self, root: Path) -> None:
        import pgserver  # test-only dependency

        self._server = pgserver.get_server(root, cleanup_mode="stop")
        self.admin_url = self._server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        self.admin = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            self.version = str(conn.execute(sa.text("show server_version")).scalar())
        self.template: str | None = None

    def url_for(self, name: str) -> str:
        return sa.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create_database(self, name: str, template: str = "template0") -> str:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url_for(name)

    def migrated_database(self, name: str) -> str:
        if self.template is None:
            url = self.create_database("caseflow_template")
            engine = make_engine(url)
            schema.upgrade(engine)
            engine.dispose()
            self.template = "caseflow_template"
        return self.create_database(name, self.template)

    def close(self) -> None:
        self.admin.dispose()
        self._server.cleanup()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Its own folder, not pytest's tmp_path: pytest prunes older sessions' folders, which would delete the
    # data directory of a server that another test session on the same machine is still running.
    root = Path(tempfile.mkdtemp(prefix="caseflow-postgres-"))
    try:
        server = PostgresServer(root)
    except Exception as exc:  # any failure to start is reported as a failing test, with its cause
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL could not start from the pgserver wheel: {type(exc).__name__}: {exc}")
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database with no schema at all, on each backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"empty_{next(_database_numbers)}")


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database migrated to the newest revision, on each backend."""
    if backend == "sqlite":
        path = tmp_path / "caseflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.migrated_database(f"test_{next(_database_numbers)}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many tests ran on PostgreSQL, so a run that silently skipped it cannot look green."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") == "call" and "[postgresql" in report.nodeid:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    total = sum(outcomes.values())
    summary = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items()) or "none"
    terminalreporter.write_line(f"PostgreSQL tests: {total} ran ({summary})")
