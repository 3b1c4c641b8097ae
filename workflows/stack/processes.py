"""The running parts of `caseflow up`: the Prefect server, the process serving deployments, the outbox worker and the
scheduler process.

Each part that talks to Prefect is its own process started with the PREFECT_* environment already set, because
Prefect reads its settings when it is imported. Parts run in their own sessions, so Ctrl-C reaches `up` alone and
`up` stops them in order: the scheduler, the worker, then the deployments, then the Prefect server it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from workflows.settings import Settings, utc_now
from workflows.stack.errors import StackPartFailed
from workflows.stack.prefect_server import PrefectServer, ensure_server, prefect_environment

__all__ = [
    "API_PART",
    "DEPLOYMENTS_PART",
    "SCHEDULER_PART",
    "WORKER_PART",
    "Part",
    "Stack",
    "StackPartFailed",
    "child_environment",
    "logs_dir",
    "next_sweep",
    "start_stack",
]

API_PART = "api"
DEPLOYMENTS_PART = "deployments"
SCHEDULER_PART = "scheduler"
WORKER_PART = "worker"
# The serving process imports Prefect and every flow, then registers four deployments: about 15 s on two cores.
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
# The last line `caseflow scheduler` prints after it has released the lease, and `caseflow worker` once its runs in
# progress have finished.
PART_DONE = ": stopped\n"
# Both run through the console entry point's code in a fresh interpreter; `-c` keeps flows importable by module
# name in the runs they spawn (a flow defined in `__main__` would not be).
_SERVE = "import sys, workflows.stack.deployments as d; d.main(sys.argv[1])"
_CLI = "from workflows.cli import main; main()"


@dataclass
class Part:
    """One child process of the stack, with the log file its output goes to.

    `done_marker` is what the part prints once its own shutdown is complete: a scheduler whose main thread has
    finished may still be in a dispatch pass, and every flow started while the interpreter is exiting fails.
    Once the marker is printed the process group is killed instead; an undelivered row is delivered next time.
    """

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_start: int = 0
    done_marker: str | None = None

    def exited(self) -> int | None:
        return self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM (both parts shut down on it); SIGKILL once it says it is done, or if it does not exit in time."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None and not self._says_done():
            time.sleep(0.1)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def _says_done(self) -> bool:
        if self.done_marker is None:
            return False
        with self.log_path.open("rb") as log:
            log.seek(self.log_start)
            return self.done_marker.encode() in log.read()


@dataclass
class Stack:
    """What `up` started: the Prefect server (started or reused) and the application parts."""

    server: PrefectServer
    parts: list[Part] = field(default_factory=list)

    def failed_part(self) -> Part | None:
        """The first part that has exited, if any: the stack cannot go on without it."""
        return next((part for part in self.parts if part.exited() is not None), None)

    def stop(self) -> None:
        """Stop the parts in reverse order of starting, then the Prefect server if this stack started it."""
        for part in reversed(self.parts):
            part.stop()
        self.server.stop()


def child_environment(settings: Settings, api_url: str) -> dict[str, str]:
    """The parts' environment: ours, Prefect's settings, and paths made absolute so any working folder will do."""
    env = {**os.environ, **prefect_environment(settings, api_url)}
    env["CASEFLOW_DATA_DIR"] = str(settings.data_dir.resolve())
    env["CASEFLOW_CONFIG_DIR"] = str(settings.config_dir.resolve())
    env["CASEFLOW_DATABASE_URL"] = settings.effective_database_url
    env["CASEFLOW_PREFECT_API_URL"] = api_url
    # Outside a flow run (dispatch passes, lease changes) our logs stay in the part's log file.
    env["PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW"] = "ignore"
    return env


def logs_dir(settings: Settings) -> Path:
    return (settings.data_dir / "logs").resolve()


def _spawn(
    name: str, code: str, args: list[str], env: dict[str, str], settings: Settings, done_marker: str | None = None
) -> Part:
    folder = logs_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"{name}.log"
    with log_path.open("ab") as log:
        start = log.tell()
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Part(name, process, log_path, start, done_marker)


def _wait_until_ready(part: Part, ready_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if part.exited() is not None:
            raise StackPartFailed(f"{part.name} exited with code {part.exited()} while starting; see {part.log_path}")
        if ready_file.exists():
            return
        time.sleep(0.25)
    part.stop()
    raise StackPartFailed(f"{part.name} was not ready within {timeout:.0f} s; see {part.log_path}")


def _start_deployments(settings: Settings, env: dict[str, str], timeout: float) -> Part:
    ready_file = logs_dir(settings) / "deployments.ready"
    ready_file.unlink(missing_ok=True)
    part = _spawn(DEPLOYMENTS_PART, _SERVE, [str(ready_file)], env, settings)
    _wait_until_ready(part, ready_file, timeout)
    return part


def start_stack(
    settings: Settings,
    *,
    dispatch_seconds: float = 5.0,
    concurrency: int = 4,
    api_address: tuple[str, int] = ("127.0.0.1", 8000),
    ready_timeout: float = READY_TIMEOUT,
    on_step: Callable[[str], None] = lambda _: None,
) -> Stack:
    """Start (or reuse) the Prefect server, serve the deployments, start the worker, the scheduler and the HTTP API
    (on `api_address`); stop what started on failure."""
    on_step("starting Prefect server ..." if not settings.prefect_api_url else "connecting to Prefect ...")
    stack = Stack(ensure_server(settings))
    on_step(f"Prefect API: {stack.server.api_url}")
    env = child_environment(settings, stack.server.api_url)
    try:
        on_step("serving deployments ...")
        stack.parts.append(_start_deployments(settings, env, ready_timeout))
        worker_args = ["worker", "--concurrency", str(concurrency)]
        stack.parts.append(_spawn(WORKER_PART, _CLI, worker_args, env, settings, done_marker=PART_DONE))
        args = ["scheduler", "--dispatch-seconds", str(dispatch_seconds)]
        stack.parts.append(_spawn(SCHEDULER_PART, _CLI, args, env, settings, done_marker=PART_DONE))
        host, port = api_address
        stack.parts.append(_spawn(API_PART, _CLI, ["api", "--host", host, "--port", str(port)], env, settings))
    except BaseException:
        stack.stop()
        raise
    return stack


def next_sweep(settings: Settings, now: datetime | None = None) -> datetime:
    """When the scheduler's nightly sweep fires next, in the scheduler's time zone."""
    from workflows.scheduling import SchedulerConfig, nightly_trigger

    zone = ZoneInfo(settings.timezone)
    trigger = nightly_trigger(SchedulerConfig(timezone=settings.timezone, sweep_time=settings.sweep_time))
    fire_time: datetime = trigger.get_next_fire_time(None, now or utc_now().astimezone(zone))
    return fire_time.astimezone(zone)
