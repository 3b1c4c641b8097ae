"""The Prefect server the stack talks to: an existing one by URL, or a local one started on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from workflows.delivery import is_healthy
from workflows.settings import Settings
from workflows.stack.errors import PrefectUnreachable


@dataclass
class PrefectServer:
    """A Prefect API the stack uses; `process` is set only when this process started the server."""

    api_url: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def prefect_home(settings: Settings) -> Path:
    return (settings.data_dir / "prefect").resolve()


def prefect_environment(settings: Settings, api_url: str) -> dict[str, str]:
    """Environment for Prefect clients and the local server: our own home, no analytics, explicit API URL."""
    return {
        "PREFECT_HOME": str(prefect_home(settings)),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": settings.prefect_host,
        "PREFECT_SERVER_API_PORT": str(settings.prefect_port),
        # Our structlog loggers reach the Prefect UI's run logs too.
        "PREFECT_LOGGING_EXTRA_LOGGERS": "caseflow",
        # Our loggers also log outside flow runs (the CLI, the scheduler): no warning for each such record.
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }


def use_prefect(settings: Settings) -> str:
    """Point this process's Prefect client at the stack's API, in every thread; returns the API URL.

    For the processes that run flows themselves (the scheduler, a worker): Prefect reads its settings when it is
    imported, and may already be imported (other commands load it), so the global settings are read again.
    """
    api_url = settings.prefect_api_url or f"http://{settings.prefect_host}:{settings.prefect_port}/api"
    os.environ.update(prefect_environment(settings, api_url))
    # Our loggers reach the UI inside runs; outside one (claims, dispatch passes, lease changes) they stay local.
    os.environ["PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW"] = "ignore"
    prefect_home(settings).mkdir(parents=True, exist_ok=True)
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()
    return api_url


def ensure_server(settings: Settings, *, start_timeout: float = 90.0) -> PrefectServer:
    """Use the configured server, reuse a local one already running, or start one and wait until it answers."""
    if settings.prefect_api_url:
        api_url = settings.prefect_api_url.rstrip("/")
        if not is_healthy(api_url):
            raise PrefectUnreachable(f"Prefect server at {api_url} does not answer (CASEFLOW_PREFECT_API_URL)")
        return PrefectServer(api_url)
    api_url = f"http://{settings.prefect_host}:{settings.prefect_port}/api"
    if is_healthy(api_url):
        return PrefectServer(api_url)
    return _start_local_server(settings, api_url, start_timeout)


def _start_local_server(settings: Settings, api_url: str, start_timeout: float) -> PrefectServer:
    home = prefect_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                settings.prefect_host,
                "--port",
                str(settings.prefect_port),
            ],
            env={**os.environ, **prefect_environment(settings, api_url)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us first; we stop the server in order
        )
    server = PrefectServer(api_url, process)
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrefectUnreachable(f"local Prefect server exited with code {process.returncode}; see {log_path}")
        if is_healthy(api_url):
            return server
        time.sleep(0.5)
    server.stop()
    raise PrefectUnreachable(f"local Prefect server did not answer at {api_url} within {start_timeout:.0f} s")
