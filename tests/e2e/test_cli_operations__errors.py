"""Operations commands answer a missing database, a bad date and an unreachable Prefect with one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from tests.ports import free_port

pytestmark = pytest.mark.e2e


def _one_line(result: object, *fragments: str) -> None:
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    assert result.returncode == 2, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr


@pytest.mark.parametrize(
    "command",
    [
        ("sweep", "--local", "--as-of", "2027-03-10"),
        ("incidents",),
        ("escalate", "CP-1", "--level", "team_manager", "--reason", "other", "--manager", "m-1"),
    ],
)
def test_a_missing_database_is_named_and_not_created(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"))
    _one_line(run_main(*command, env=env), "does not exist", "caseflow db upgrade")
    assert not (tmp_path / "data" / "caseflow.db").exists()


def test_a_malformed_date_names_the_option(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"))
    _one_line(run_main("sweep", "--as-of", "2027-02-31", env=env), "--as-of", "2027-02-31", "YYYY-MM-DD")


def test_an_unreachable_prefect_server_is_named_with_what_to_do(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_PREFECT_PORT=str(free_port()))
    assert run_main("db", "upgrade", env=env).returncode == 0
    _one_line(run_main("sweep", "--as-of", "2027-03-10", env=env), "does not answer", "caseflow up", "--local")
