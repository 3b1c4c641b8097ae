"""The CLI answers bad input with one line and a non-zero exit, never a traceback.

One case runs the installed console script in a process of its own, for its real exit status; the rest run in
process through the same entry point (tests/cli_in_process.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment, run_caseflow

pytestmark = pytest.mark.e2e


def _assert_one_line_error(result: object, *fragments: str) -> None:
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    assert result.returncode != 0  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1, stderr
    for fragment in fragments:
        assert fragment in stderr


def test_a_bad_setting_is_one_line_naming_the_variable_and_the_installed_script_exits_2(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path), CASEFLOW_LOG_LEVEL="LOUD")
    result = run_caseflow("db", "current", env=env)
    _assert_one_line_error(result, "CASEFLOW_LOG_LEVEL", "LOUD")
    assert result.returncode == 2


def test_an_unknown_command_is_one_line(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path))
    _assert_one_line_error(run_main("frobnicate", env=env), "frobnicate")


def test_db_upgrade_creates_the_embedded_database_and_reports_the_revision(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"))
    result = run_main("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("database at revision ")
    assert (tmp_path / "data" / "caseflow.db").exists()
    current = run_main("db", "current", env=env)
    assert "(up to date)" in current.stdout


def test_a_broken_policy_file_stops_every_command_before_it_touches_the_database(tmp_path: Path) -> None:
    import shutil

    from workflows.settings import REPOSITORY_CONFIG_DIR

    config = tmp_path / "config"
    shutil.copytree(REPOSITORY_CONFIG_DIR, config)
    broken = config / "policies" / "authority_b.yaml"
    broken.write_text(broken.read_text() + "\nsurprise_key: 1\n")
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_CONFIG_DIR=str(config))
    _assert_one_line_error(run_main("db", "upgrade", env=env), "authority_b.yaml", "surprise_key")
    assert not (tmp_path / "data" / "caseflow.db").exists()


def test_an_unknown_authority_setting_lists_the_known_policies(tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path), CASEFLOW_AUTHORITY="atlantis")
    _assert_one_line_error(run_main("db", "current", env=env), "CASEFLOW_AUTHORITY", "atlantis", "default")
