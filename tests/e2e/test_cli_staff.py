"""`caseflow staff` as a person runs it: a bad import is one line per bad row and exit 2; a token is printed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_LOG_FORMAT="json")
    assert run_main("db", "upgrade", env=environment).returncode == 0
    return environment


def test_a_bad_import_prints_one_line_per_bad_row_never_an_e_mail_and_saves_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(
        "id,email,roles,teams\n"
        "tm-1,tm1@example.org,team_manager,north\n"
        "tm-2,jane.doe-council,team_manager,north\n"
        "jane.doe@council.example,jd@example.org,team_manager,north\n",
        encoding="utf-8",
    )

    result = run_main("staff", "import", str(path), env=env)

    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "jane" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        f"error: {path}: nothing imported",
        f"{path}:3: email: expected one e-mail address like name@example.org, at most 254 characters",
        f"{path}:4: id: expected 1-64 characters: ASCII letters, digits, '-' and '_'",
    ]
    assert run_main("staff", "list", env=env).stdout == ""


def test_a_token_is_printed_once_and_listed_without_its_secret(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("id,email,roles,teams\ncms,cms-admin@example.org,business_support,\n", encoding="utf-8")
    assert run_main("staff", "import", str(path), env=env).stdout.endswith(": 1 added, 0 updated\n")

    created = run_main("staff", "token", "create", "cms", "--expires-days", "30", "--json", env=env)
    listed = run_main("staff", "token", "list", env=env)

    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    assert token not in created.stderr
    assert token.rsplit("_", 1)[1] not in listed.stdout + listed.stderr
    assert listed.stdout.startswith(f"{json.loads(created.stdout)['id']}\tcms\tcreated ")
