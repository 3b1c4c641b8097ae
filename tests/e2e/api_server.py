"""`caseflow api` as a real server process for the API's tests, and the staff and tokens they call it as."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.e2e.cli import CASEFLOW, clean_environment
from tests.ports import free_port
from workflows.services import StaffDirectory, StaffEntry, create_token
from workflows.settings import utc_now

# Python, FastAPI and the policies load in about 3 s on two cores; a loaded machine may take several times that.
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class ApiServer:
    """A running `caseflow api`: its base URL and the file its output goes to."""

    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def api_environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """A clean environment for a server (and the CLI) on `database_url`, logging JSON lines."""
    return clean_environment(
        CASEFLOW_DATA_DIR=str(data_dir), CASEFLOW_DATABASE_URL=database_url, CASEFLOW_LOG_FORMAT="json"
    )


@contextmanager
def running_api(env: dict[str, str], log_path: Path) -> Iterator[ApiServer]:
    """`caseflow api --port <free port>` until the block ends; ready once its health check answers."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [CASEFLOW, "api", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = ApiServer(f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_until_healthy(process, server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_healthy(process: subprocess.Popen[bytes], server: ApiServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"caseflow api exited with {process.returncode}: {server.log()}")
        try:
            if httpx.get(f"{server.url}/api/v1/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"caseflow api did not answer within {START_TIMEOUT:.0f} s: {server.log()}")


def add_staff(engine: Engine, staff_id: str, roles: tuple[str, ...], teams: tuple[str, ...]) -> None:
    """A member of staff in the directory (the default policy's role names)."""
    roles_known = ("social_worker", "team_manager", "service_manager", "head_of_service", "business_support")
    StaffDirectory(engine, roles_known).add(StaffEntry(staff_id, f"{staff_id}@example.org", roles, teams))


def token_for(engine: Engine, staff_id: str, *, days: int = 30, issued_at: datetime | None = None) -> str:
    """A new API token of the member, issued now or at `issued_at`."""
    clock = (lambda: issued_at) if issued_at is not None else utc_now
    return create_token(engine, staff_id, days=days, timezone="Europe/London", clock=clock).token


def bearer(token: str, role: str | None = None) -> dict[str, str]:
    """The headers that authenticate as the token's holder, in `role` when given."""
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, "Caseflow-Role": role} if role else headers
