"""`caseflow cases`, `case show`, `case timeline`, `trigger` and `overdue` through the console script's entry point.

The logic is tested with typer's runner (tests/integration/test_case_views__cli.py); here, once each, what the
entry point adds: exit codes, one-line errors without a traceback, files written. The caseload is described in
tests/integration/case_views_builders.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_in_process import Ran, run_main
from tests.e2e.cli import clean_environment
from tests.integration.case_views_builders import DATE_OF_BIRTH, build_caseload
from tests.staff_builders import add_staff
from workflows.persistence import make_engine, schema

pytestmark = pytest.mark.e2e

AS_OF = ("--as-of", "2027-02-01")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh caseload per test: a trigger in one test must not change what another counts."""
    folder = tmp_path / "cases"
    url = f"sqlite:///{folder / 'caseflow.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    build_caseload(engine)
    add_staff(engine)
    engine.dispose()
    return clean_environment(CASEFLOW_DATA_DIR=str(folder / "data"), CASEFLOW_DATABASE_URL=url)


def _ok(result: Ran) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _one_line_error(result: Ran) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    stderr = result.stderr.strip()
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    return stderr


def test_the_listing_and_the_dashboard_print_json(env: dict[str, str]) -> None:
    listed = json.loads(_ok(run_main("cases", "--json", *AS_OF, env=env)))
    assert [case["reference"] for case in listed["cases"]] == ["CP-VIEW-1", "CP-VIEW-2", "CP-VIEW-3"]
    dashboard = json.loads(_ok(run_main("overdue", "--json", *AS_OF, env=env)))
    # hand-checked in tests/integration/test_case_views.py: 3 actions 6 WD late, one 4, one 1
    assert dashboard["by_level"] == {"team_manager": 2, "service_manager": 3}


def test_the_timeline_is_written_as_a_png_and_a_page(env: dict[str, str], tmp_path: Path) -> None:
    picture, page = tmp_path / "cp1.png", tmp_path / "cp1.html"
    args = ("case", "timeline", "CP-VIEW-1", "--out", str(picture), "--html", str(page), *AS_OF)
    assert "timeline of case CP-VIEW-1 written" in _ok(run_main(*args, env=env))
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert DATE_OF_BIRTH not in page.read_text(encoding="utf-8")


def test_a_trigger_fires_and_one_not_allowed_now_is_one_line_listing_the_allowed(env: dict[str, str]) -> None:
    actor = ("--actor", "tm-1", "--role", "team_manager", "--today", "2027-02-01")
    fired = run_main(
        "trigger", "CP-VIEW-3", "convene_icpc", "conference_date=2027-02-10", "--on", "2027-01-27", *actor, env=env
    )
    assert _ok(fired).startswith("case CP-VIEW-3: convene_icpc on 2027-01-27: s47_enquiry -> icpc_planning")
    refused = run_main("trigger", "CP-VIEW-3", "start_s47", "--on", "2027-01-28", *actor, env=env)
    assert (
        "trigger 'start_s47' is not allowed from status 'icpc_planning': allowed now: set_conference_date"
        in _one_line_error(refused)
    )


def test_a_conference_on_a_saturday_is_one_line_and_the_childs_participation_takes_a_list_of_ways(
    env: dict[str, str],
) -> None:
    manager = ("--actor", "tm-1", "--role", "team_manager", "--today", "2027-02-01")
    # Sat 13 Feb 2027; then Wed 10 Feb, a working day
    saturday = run_main(
        "trigger", "CP-VIEW-3", "convene_icpc", "conference_date=2027-02-13", "--on", "2027-01-27", *manager, env=env
    )
    assert _one_line_error(saturday) == (
        "error: convene_icpc: conference_date 2027-02-13 is a Saturday, not a working day for default "
        "(policy default): a conference is held on a working day"
    )
    _ok(
        run_main(
            "trigger",
            "CP-VIEW-3",
            "convene_icpc",
            "conference_date=2027-02-10",
            "--on",
            "2027-01-27",
            *manager,
            env=env,
        )
    )
    social_worker = ("--actor", "sw-1", "--role", "social_worker", "--today", "2027-02-01")
    ways = ("invited=false", "reason=child_declined", "how=views_by_letter,advocate_speaks", "advocate=true")
    recorded = _ok(run_main("trigger", "CP-VIEW-3", "record_child_participation", *ways, *social_worker, env=env))
    assert recorded.startswith("case CP-VIEW-3: record_child_participation on 2027-02-01"), recorded
    assert "decide_child_participation" in recorded


def test_an_actor_not_in_the_staff_directory_is_refused_in_one_line_and_changes_nothing(env: dict[str, str]) -> None:
    before = _ok(run_main("case", "show", "CP-VIEW-3", "--json", *AS_OF, env=env))
    refused = run_main(
        "trigger",
        "CP-VIEW-3",
        "convene_icpc",
        "--on",
        "2027-01-27",
        "--actor",
        "nobody",
        "--role",
        "team_manager",
        env=env,
    )
    assert _one_line_error(refused) == "error: --actor nobody: not in the staff directory"
    assert _ok(run_main("case", "show", "CP-VIEW-3", "--json", *AS_OF, env=env)) == before


@pytest.mark.parametrize(
    ("actor", "role", "message"),
    [
        ("sw-1", "team_manager", "error: --actor sw-1: does not hold role team_manager (holds: social_worker)"),
        (
            "",
            "team_manager",
            "error: --actor: not a staff id: expected 1-64 characters: ASCII letters, digits, '-' and '_'",
        ),
        (
            "tm\x1b[2J",
            "team_manager",
            "error: --actor: not a staff id: expected 1-64 characters: ASCII letters, digits, '-' and '_'",
        ),
    ],
)
def test_a_role_not_held_or_a_malformed_actor_is_one_line(
    env: dict[str, str], actor: str, role: str, message: str
) -> None:
    refused = run_main("trigger", "CP-VIEW-3", "convene_icpc", "--actor", actor, "--role", role, env=env)
    assert _one_line_error(refused) == message


def test_a_deactivated_actor_is_refused(env: dict[str, str]) -> None:
    assert run_main("staff", "deactivate", "tm-1", env=env).returncode == 0
    refused = run_main("trigger", "CP-VIEW-3", "convene_icpc", "--actor", "tm-1", "--role", "team_manager", env=env)
    assert _one_line_error(refused) == "error: --actor tm-1: deactivated; a deactivated member cannot act"


def test_an_unknown_case_is_one_line(env: dict[str, str]) -> None:
    message = _one_line_error(run_main("case", "show", "CP-NOWHERE", env=env))
    assert message == "error: case CP-NOWHERE: not found (expected the reference of an existing case)"


def test_a_malformed_date_is_one_line(env: dict[str, str]) -> None:
    message = _one_line_error(run_main("cases", "--as-of", "1 Feb 2027", env=env))
    assert message == "error: --as-of: '1 Feb 2027' is not a date: expected YYYY-MM-DD, like 2027-03-10"


def test_a_missing_database_is_one_line_naming_it_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "caseflow.db"
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_DATABASE_URL=f"sqlite:///{missing}")
    message = _one_line_error(run_main("overdue", env=env))
    assert str(missing) in message and "caseflow db upgrade" in message
    assert not missing.exists()
