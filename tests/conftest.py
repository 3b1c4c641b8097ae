"""Shared fixtures: databases on SQLite and on a real PostgreSQL 16 started from the pgserver wheel.

Which databases a test runs on
- A test that asks for `database_url`, `engine` or `empty_database_url` runs once, on a SQLite file (`[sqlite]`).
- `@pytest.mark.both_databases` (on the test, or `pytestmark` on the module) runs it on SQLite and on PostgreSQL
  (`[sqlite]`, `[postgresql]`). Mark a test so when the code under test runs SQL whose behaviour differs by dialect:
  locks and concurrent writers, ON CONFLICT, triggers, temporary tables, date and JSON handling, migrations, the
  queries behind listings and returns. Tests of CLI wording, Prefect plumbing and rendering stay on SQLite.
- `@pytest.mark.parametrize("backend", ["postgresql"])` runs a test on PostgreSQL only.

What a PostgreSQL test gets
- `database_url`: the session's one migrated database, emptied before each test (every table but alembic_version,
  ids restarted; the audit trail's append-only triggers are bypassed for the reset, not dropped): about 1 ms where
  cloning the migrated template per test cost about 130 ms. A test that changes the shared schema (drops a
  trigger, say) errors at teardown, naming the marker it needs:
- `@pytest.mark.fresh_database`: a clone of the migrated template of its own, for a test that alters the schema or
  needs a pristine database.
- `empty_database_url`: always a database of its own with no schema at all (migration tests).

If PostgreSQL cannot start, the tests that need it fail with the reason; they never skip. The terminal summary
says how many tests ran on PostgreSQL.
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

from tests.audit_key import use_test_key
from workflows.persistence import audit_keys, make_engine, schema

pytest_plugins = ["tests.prefect_harness", "tests.oidc_provider"]

BACKENDS = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)

# What a test could change of the shared database's schema: tables and indexes, columns, user triggers.
_SCHEMA_FINGERPRINT = sa.text(
    """
    SELECT
      (SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
      (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'),
      (SELECT string_agg(t.tgname || ':' || t.tgenabled::text, ',' ORDER BY t.tgname)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal)
    """
)


class SchemaChanged(AssertionError):
    """A test changed the schema of the shared PostgreSQL database."""


class SharedDatabase:
    """One migrated PostgreSQL database for the session, emptied before each test that uses it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = make_engine(url)
        with self._engine.connect() as conn:
            self._fingerprint = tuple(conn.execute(_SCHEMA_FINGERPRINT).one())
            tables = conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ).scalars()
            sequences = conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'S'"
                )
            ).scalars()
            # DELETE and setval rather than TRUNCATE ... RESTART IDENTITY: the same empty tables and restarted ids
            # in about 1 ms instead of 55-100 ms (a clone per test: 130 ms), timed on this schema with a test's few rows.
            self._reset_sql = "; ".join(
                [f'DELETE FROM "{name}"' for name in sorted(tables)]
                + [f"SELECT setval('\"{name}\"', 1, false)" for name in sorted(sequences)]
            )

    def reset(self) -> None:
        """Empty every table; should a test have left a lock behind, its connections are ended and the reset retried."""
        try:
            self._empty(lock_timeout="5s")
        except sa.exc.OperationalError:
            with self._engine.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                conn.commit()
            self._empty(lock_timeout="30s")

    def _empty(self, lock_timeout: str) -> None:
        with self._engine.begin() as conn:
            # As a replica the session fires no trigger: neither the audit trail's refusal of DELETE (which stays
            # in place) nor the foreign keys' checks, so the order of the deletes does not matter.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
            conn.exec_driver_sql(self._reset_sql)

    def schema_unchanged(self) -> bool:
        with self._engine.connect() as conn:
            return tuple(conn.execute(_SCHEMA_FINGERPRINT).one()) == self._fingerprint

    def close(self) -> None:
        self._engine.dispose()


class PostgresServer:
    """A PostgreSQL server for the test session: a migrated template to clone, and one shared database."""

    def __init__(self, root: Path) -> None:
        import pgserver  # test-only dependency

        self._server = pgserver.get_server(root, cleanup_mode="stop")
        self.admin_url = self._server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        self.admin = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            self.version = str(conn.execute(sa.text("show server_version")).scalar())
        self.template: str | None = None
        self._shared: SharedDatabase | None = None

    def url_for(self, name: str) -> str:
        return sa.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create_database(self, name: str, template: str = "template0") -> str:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def migrated_database(self, name: str) -> str:
        """A new database cloned from the migrated template."""
        if self.template is None:
            url = self.create_database("caseflow_template")
            engine = make_engine(url)
            schema.upgrade(engine)
            engine.dispose()
            self.template = "caseflow_template"
        return self.create_database(name, self.template)

    def shared_database(self) -> SharedDatabase:
        """The session's shared migrated database, emptied."""
        if self._shared is None:
            self._shared = SharedDatabase(self.migrated_database("caseflow_shared"))
        else:
            self._shared.reset()
        return self._shared

    def forget_shared_database(self) -> None:
        """Drop the shared database (its schema was changed); the next test gets a new clone."""
        if self._shared is not None:
            self._shared.close()
            self._shared = None
            self.drop_database("caseflow_shared")

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
        self.admin.dispose()
        self._server.cleanup()


@pytest.fixture(autouse=True)
def audit_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test signs audit events with a key of its own, which the commands it runs are given too."""
    yield use_test_key(tmp_path_factory.mktemp("audit-key"))
    audit_keys.uninstall_keyring()


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


def _parametrizes_backend(metafunc: pytest.Metafunc) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if "backend" in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """SQLite for every database test; PostgreSQL too for those marked `both_databases` (module docstring)."""
    if "backend" not in metafunc.fixturenames or _parametrizes_backend(metafunc):
        return
    both = metafunc.definition.get_closest_marker("both_databases") is not None
    metafunc.parametrize("backend", BACKENDS if both else ("sqlite",))


@pytest.fixture
def backend() -> str:
    # Always replaced by the parametrisation above; here so that `backend` is a known fixture name.
    raise AssertionError("backend is parametrised by pytest_generate_tests")


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database with no schema at all."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"empty_{next(_database_numbers)}")


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to the newest revision, holding no rows (see the module docstring)."""
    if backend == "sqlite":
        path = tmp_path / "caseflow.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    if request.node.get_closest_marker("fresh_database"):
        yield server.migrated_database(f"test_{next(_database_numbers)}")
        return
    shared = server.shared_database()
    yield shared.url
    if not shared.schema_unchanged():
        server.forget_shared_database()
        raise SchemaChanged(
            f"{request.node.nodeid} changed the schema of the shared PostgreSQL database: "
            "mark it @pytest.mark.fresh_database to have a database of its own"
        )


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
