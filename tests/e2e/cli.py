"""Run the installed `caseflow` console script as a person would, in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.audit_key import current_key_file

CASEFLOW = str(Path(sys.executable).parent / "caseflow")


def clean_environment(**settings: str) -> dict[str, str]:
    """The process environment without any CASEFLOW_ or PREFECT_ variable, plus the test's audit key file and the
    given settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CASEFLOW_", "PREFECT_"))}
    key_file = current_key_file()
    keys = {"CASEFLOW_AUDIT_KEY_FILE": str(key_file)} if key_file is not None else {}
    return {**base, **keys, **settings}


def run_caseflow(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASEFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """The lines a process prints up to and including the first holding `marker`; fails after `timeout` seconds."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} never printed; output so far: {lines}")
