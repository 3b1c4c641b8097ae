"""The console's test server: a migrated SQLite database with fictional staff and cases, and the console served
by a real `caseflow api` process (API and console) on a free port; Debian's chromium to drive it."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from states.case import Actor
from tests.e2e.cli import CASEFLOW, clean_environment
from tests.ports import free_port
from workflows.persistence import load_all_policies, make_engine, make_session_factory, schema
from workflows.services import CaseService, StaffDirectory, StaffEntry, StaffPasswords, known_roles
from workflows.settings import REPOSITORY_CONFIG_DIR, today_in

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
AXE = REPOSITORY / "workflows" / "console" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPOSITORY / "docs" / "images"
STARTUP_SECONDS = 60.0

NORTH_MANAGER, NORTH_WORKER, OPERATIONS = "tm-north", "sw-north", "ops-1"
PASSWORDS = {
    NORTH_MANAGER: "north manager's password",
    NORTH_WORKER: "north worker's password",
    OPERATIONS: "operations password",
}
NORTH_LATE, NORTH_FRESH, SOUTH_LATE = "CON-N-LATE", "CON-N-FRESH", "CON-S-LATE"


@dataclass(frozen=True)
class ConsoleServer:
    url: str
    engine: sa.Engine
    log: Path


def _staff(engine: sa.Engine, env: dict[str, str]) -> None:
    policies = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")
    directory = StaffDirectory(engine, known_roles(policies))
    directory.add(StaffEntry(NORTH_MANAGER, "tm-north@example.org", ("team_manager",), ("north",)))
    directory.add(StaffEntry(NORTH_WORKER, "sw-north@example.org", ("social_worker",), ("north",)))
    directory.add(StaffEntry(OPERATIONS, "ops-1@example.org", ("operations",), ()))
    # The manager's password through the command people use; the others in process.
    command = [CASEFLOW, "staff", "password", NORTH_MANAGER, "--password-stdin"]
    done = subprocess.run(command, input=PASSWORDS[NORTH_MANAGER] + "\n", env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for staff_id in (NORTH_WORKER, OPERATIONS):
        StaffPasswords(engine).set(staff_id, PASSWORDS[staff_id])


def _cases(engine: sa.Engine) -> None:
    """Two north cases and a south one; the late ones had their strategy discussion 40 days ago, so their initial
    conference (due 15 working days after it, at most 21 calendar days with bank holidays) is now late."""
    service = CaseService(make_session_factory(engine), load_all_policies(REPOSITORY_CONFIG_DIR / "policies"))
    today = today_in("Europe/London")
    worker = Actor("e2e-sw", "social_worker")
    for reference, team, days_ago in ((NORTH_LATE, "north", 40), (SOUTH_LATE, "south", 40), (NORTH_FRESH, "north", 2)):
        start = today - timedelta(days=days_ago)
        referral = {"referral_date": start, "date_of_birth": start - timedelta(days=3000), "team": team}
        service.fire(reference, "receive_referral", referral, worker, start)
        service.fire(reference, "start_s47", {"strategy_discussion_date": start}, worker, start)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the console server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/sign-in", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"the console server did not answer within {STARTUP_SECONDS:.0f} s: {log.read_text()[-2000:]}")


def console_server(root: Path) -> Iterator[ConsoleServer]:
    """The console on a free port, over a database with the staff and cases above; stopped after."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make chromium` does it)")
    database = f"sqlite:///{root / 'console.db'}"
    env = clean_environment(CASEFLOW_DATA_DIR=str(root), CASEFLOW_DATABASE_URL=database, CASEFLOW_LOG_FORMAT="json")
    engine = make_engine(database)
    schema.upgrade(engine)
    _staff(engine, env)
    _cases(engine)
    port, log = free_port(), root / "console.log"
    command = [CASEFLOW, "api", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=REPOSITORY, env={**env, "PYTHONPATH": str(REPOSITORY)}, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log)
        yield ConsoleServer(url, engine, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
        engine.dispose()
