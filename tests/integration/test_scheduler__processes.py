"""Two `caseflow scheduler` processes: one acts and dispatches the outbox, the other takes over when it is killed."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, select

from tests.e2e.cli import CASEFLOW, clean_environment
from tests.integration.transition_fixtures import case_service, convene_conference
from workflows.persistence import OutboxRow, SchedulerLeaseRow

LEASE_SECONDS = 3.0
OPTIONS = ("--dispatch-seconds", "0.5", "--lease-seconds", str(LEASE_SECONDS), "--renew-seconds", "0.3")


class SchedulerProcess:
    """A `caseflow scheduler` subprocess whose output lines are collected as they come."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [CASEFLOW, "scheduler", *OPTIONS],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, marker: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if marker in line:
                return True
        return False

    def output(self) -> list[str]:
        """Every line printed so far (for a failing assertion's message)."""
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=20)
        self.reader.join(timeout=20)  # EOF once the process is gone
        assert self.process.stdout is not None
        self.process.stdout.close()


def _holder(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(SchedulerLeaseRow.__table__.c.holder)).scalar_one_or_none()


def _undelivered(engine: Engine) -> int:
    with engine.connect() as connection:
        rows = connection.execute(select(OutboxRow.__table__.c.id).where(OutboxRow.__table__.c.delivered_at.is_(None)))
        return len(rows.all())


def _wait_until_delivered(engine: Engine, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _undelivered(engine) == 0:
            return True
        time.sleep(0.2)  # polling a real process's effect on the database
    return False


def test_the_standby_process_takes_over_when_the_active_one_is_killed_and_dispatch_goes_on(
    engine: Engine, database_url: str, prefect_harness: str, tmp_path: Path
) -> None:
    env = clean_environment(
        CASEFLOW_DATABASE_URL=database_url,
        CASEFLOW_DATA_DIR=str(tmp_path / "data"),
        CASEFLOW_PREFECT_API_URL=prefect_harness,
    )
    first = SchedulerProcess(env, tmp_path)
    second: SchedulerProcess | None = None
    try:
        assert first.wait_for(": active", timeout=90), first.seen
        convene_conference(case_service(engine), "CP-1")
        assert _wait_until_delivered(engine, timeout=90), first.output()

        second = SchedulerProcess(env, tmp_path)
        assert second.wait_for("standby", timeout=90), second.seen
        assert not second.wait_for(": active", timeout=LEASE_SECONDS * 2), second.seen
        assert _holder(engine) == first.seen[0].split()[1].rstrip(":")

        first.process.send_signal(signal.SIGKILL)  # dies holding the lease
        assert second.wait_for(": active", timeout=LEASE_SECONDS + 30), second.seen
        convene_conference(case_service(engine), "CP-2")
        assert _wait_until_delivered(engine, timeout=90), second.output()

        second.process.send_signal(signal.SIGTERM)
        assert second.wait_for("stopped", timeout=30), second.seen
        assert _holder(engine) is None  # a clean stop hands the lease back at once
    finally:
        first.end()
        if second is not None:
            second.end()
