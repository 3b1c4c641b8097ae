"""`caseflow up` (what `make run` calls) starts the embedded stack and says where the Prefect UI is."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.cli import CASEFLOW, clean_environment, free_port

pytestmark = pytest.mark.e2e


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
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


def test_up_migrates_the_database_starts_prefect_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_PREFECT_PORT=str(port))
    process = subprocess.Popen(
        [CASEFLOW, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    try:
        lines = _read_until(process, "Prefect UI:", timeout=120)
        assert f"Prefect UI: http://127.0.0.1:{port}" in lines[-1]
        assert (tmp_path / "data" / "caseflow.db").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
            assert response.read() == b"true"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b"<html" in response.read(2000).lower()  # the UI itself, not only the API
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped")
