"""`caseflow up` (what `make run` calls) starts the whole stack, loads the demo once and says where the UI is."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.cli import CASEFLOW, clean_environment, read_until
from tests.ports import free_port
from workflows.persistence import make_engine

pytestmark = pytest.mark.e2e

DEPLOYMENTS = ("case-transition", "deadline-sweep", "manager-escalation", "outbox-dispatch")


def _start(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    # A port of its own for the API: 8000 may be taken on a shared machine, and a part that cannot start stops `up`.
    if "--api-port" not in args:
        args = (*args, "--api-port", str(free_port()))
    process = subprocess.Popen(
        [CASEFLOW, "up", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    try:
        return process, read_until(process, "press Ctrl-C to stop", timeout=180)
    except BaseException:
        process.kill()
        raise


def _ctrl_c(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    return output


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bytes(response.read())


def _api_health(port: int, timeout: float = 60) -> object:
    """The API part's health check, once it answers (it starts alongside the scheduler, after the deployments)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return json.loads(_get(f"http://127.0.0.1:{port}/api/v1/healthz"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _case_count(data_dir: Path) -> int:
    engine = make_engine(f"sqlite:///{data_dir / 'caseflow.db'}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("select count(*) from cases")).scalar_one())
    finally:
        engine.dispose()


def test_up_loads_the_demo_serves_the_deployments_stops_on_ctrl_c_and_a_second_start_reuses_it(tmp_path: Path) -> None:
    port = free_port()
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_PREFECT_PORT=str(port))
    api_port = free_port()
    process, lines = _start(tmp_path, env, "--api-port", str(api_port))
    try:
        assert f"API: http://127.0.0.1:{api_port}/api/v1 (docs/api.md)" in lines
        assert _api_health(api_port) == {"status": "ok", "database": "ok", "prefect": "ok"}
        assert any(line.startswith("demo caseload: 300 fictional cases (DEMO-0001 to DEMO-0300)") for line in lines), (
            lines
        )
        sign_in = "console sign-in (demo north team manager): staff id demo-tm-north, password "
        assert any(line.startswith(sign_in) and len(line) > len(sign_in) + 12 for line in lines), lines
        assert f"deployments served: {', '.join(DEPLOYMENTS)}" in lines
        assert "worker: 4 case-transition runs at once, in order within each case" in lines
        assert any(line.startswith("scheduler: outbox dispatch every 5 s; next deadline sweep ") for line in lines), (
            lines
        )
        assert f"Prefect UI: http://127.0.0.1:{port}" in lines
        assert _get(f"http://127.0.0.1:{port}/api/health") == b"true"
        assert b"<html" in _get(f"http://127.0.0.1:{port}/")[:2000].lower()  # the UI itself, not only the API
        for name in DEPLOYMENTS:
            deployment = json.loads(_get(f"http://127.0.0.1:{port}/api/deployments/name/{name}/{name}"))
            assert "caseflow" in deployment["tags"]
    finally:
        output = _ctrl_c(process)
    assert output.rstrip().endswith("stopped")
    assert _case_count(tmp_path / "data") == 300

    # Started again on the same folder: the same database, and no second demo.
    second, lines = _start(tmp_path, env)
    _ctrl_c(second)
    assert not any(line.startswith("demo caseload") for line in lines), lines
    assert _case_count(tmp_path / "data") == 300


def test_no_demo_starts_on_an_empty_database_and_leaves_it_empty(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_PREFECT_PORT=str(free_port()))
    process, lines = _start(tmp_path, env, "--no-demo")
    _ctrl_c(process)

    assert not any(line.startswith("demo caseload") for line in lines), lines
    assert _case_count(tmp_path / "data") == 0


def test_pointed_at_an_existing_prefect_and_postgresql_it_starts_only_the_application_parts(
    tmp_path: Path, prefect_harness: str, postgres: object
) -> None:
    from workflows.persistence import schema

    database_url = postgres.create_database(f"up_external_{free_port()}")  # type: ignore[attr-defined]
    env = clean_environment(
        CASEFLOW_DATA_DIR=str(tmp_path / "data"),
        CASEFLOW_PREFECT_API_URL=prefect_harness,
        CASEFLOW_DATABASE_URL=database_url,
    )
    process, lines = _start(tmp_path, env)
    try:
        assert "connecting to Prefect ..." in lines and "starting Prefect server ..." not in lines, lines
        assert f"Prefect UI: {prefect_harness.removesuffix('/api')}" in lines, lines
        assert f"deployments served: {', '.join(DEPLOYMENTS)}" in lines
        assert not any(line.startswith("demo caseload") for line in lines), lines
    finally:
        _ctrl_c(process)
    assert _get(f"{prefect_harness}/health") == b"true"  # the server it did not start is left running
    engine = make_engine(database_url)
    try:
        assert schema.is_current(engine)  # migrated the configured PostgreSQL database
        with engine.connect() as connection:
            assert connection.execute(sa.text("select count(*) from cases")).scalar_one() == 0  # no demo there
    finally:
        engine.dispose()
    assert not (tmp_path / "data" / "caseflow.db").exists()  # the embedded database was never touched
