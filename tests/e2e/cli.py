"""Run the installed `caseflow` console script as a person would, in a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

CASEFLOW = str(Path(sys.executable).parent / "caseflow")


def clean_environment(**settings: str) -> dict[str, str]:
    """The process environment without any CASEFLOW_ or PREFECT_ variable, plus the given settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CASEFLOW_", "PREFECT_"))}
    return {**base, **settings}


def run_caseflow(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASEFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
