"""`caseflow sweep`, `caseflow staff` and `caseflow escalate` through the console script's entry point."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from tests.integration.smtp_recorder import Recorder
from tests.integration.sweep_builders import make_action, make_case, reference_of
from tests.ports import free_port
from workflows.persistence import make_engine

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"), CASEFLOW_LOG_FORMAT="json")
    assert run_main("db", "upgrade", env=environment).returncode == 0
    return environment


def _case_with_late_action(env: dict[str, str]) -> str:
    engine = make_engine(f"sqlite:///{Path(env['CASEFLOW_DATA_DIR']) / 'caseflow.db'}")
    with engine.begin() as connection:
        case = make_case(connection, team="north")
        make_action(connection, case, date(2027, 3, 9))  # Tue 9 March: 1 working day late on Wed 10 March
        reference = reference_of(connection, case)
    engine.dispose()
    return reference


def test_a_local_sweep_prints_its_counts_and_a_second_run_creates_nothing(env: dict[str, str]) -> None:
    _case_with_late_action(env)

    first = run_main("sweep", "--as-of", "2027-03-10", "--local", "--json", env=env)
    second = run_main("sweep", "--as-of", "2027-03-10", "--local", "--json", env=env)

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created_by_run"] == {"team_manager": 1}
    assert json.loads(second.stdout)["created_by_run"] == {}
    assert json.loads(second.stdout)["open_at_level"] == {"team_manager": 1}


def test_a_local_sweep_emails_its_digest_once_and_with_the_server_down_exits_non_zero_with_an_incident(
    env: dict[str, str],
) -> None:
    reference = _case_with_late_action(env)
    recorder = Recorder()
    server = Controller(recorder, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        mail_env = {
            **env,
            "CASEFLOW_SMTP_HOST": "127.0.0.1",
            "CASEFLOW_SMTP_PORT": str(server.port),
            "CASEFLOW_SMTP_SENDER": "caseflow@council.example",
        }
        first = run_main("sweep", "--as-of", "2027-03-10", "--local", "--json", env=mail_env)
        again = run_main("sweep", "--as-of", "2027-03-10", "--local", "--json", env=mail_env)
    finally:
        server.stop()
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    # One late action of team north, 1 working day late: the team manager of north, once however often swept.
    assert [message["To"] for message in recorder.messages] == ["team_manager.north@council.example"]
    assert reference in recorder.messages[0].get_payload()

    _case_with_late_action(env)  # a second late action in north: a new digest for the next day's sweep
    down = {**mail_env, "CASEFLOW_SMTP_PORT": str(free_port())}
    failed = run_main("sweep", "--as-of", "2027-03-11", "--local", env=down)
    # stderr also carries this environment's JSON log lines; the error itself is one plain line, no traceback.
    errors = [line for line in failed.stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert failed.returncode != 0 and len(errors) == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert errors[0] == "error: sweep 2027-03-11: 1 digest e-mail(s) not sent; incidents opened (caseflow incidents)"
    listed = run_main("incidents", "--json", env=env)
    assert "digest_email_failed" in listed.stdout


def test_the_sweep_runs_as_a_prefect_flow_and_prints_a_plain_summary(env: dict[str, str], prefect_harness: str) -> None:
    _case_with_late_action(env)

    result = run_main("sweep", "--as-of", "2027-03-10", env={**env, "CASEFLOW_PREFECT_API_URL": prefect_harness})

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "deadline sweep as of 2027-03-10"
    assert "team_manager            1 open         1 new" in result.stdout


def test_a_manager_escalates_by_hand_and_a_refusal_is_one_line_and_exit_2(env: dict[str, str]) -> None:
    reference = _case_with_late_action(env)
    for staff_id, team in (("tm-1", "north"), ("tm-2", "south")):
        email = f"{staff_id}@example.org"
        added = run_main("staff", "add", staff_id, "--role", "team_manager", "--team", team, "--email", email, env=env)
        assert added.returncode == 0, added.stderr

    raised = run_main(
        "escalate",
        reference,
        "--level",
        "service_manager",
        "--reason",
        "safety_concern",
        "--manager",
        "tm-1",
        "--note",
        "free text about the child",
        env=env,
    )
    refused = run_main(
        "escalate", reference, "--level", "service_manager", "--reason", "safety_concern", "--manager", "tm-2", env=env
    )

    assert raised.returncode == 0, raised.stderr
    assert raised.stdout.strip() == f"escalation 1 raised on case {reference} to service_manager"
    assert "free text" not in raised.stdout + raised.stderr
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: case {reference}: escalation by tm-2 refused: "
        "a team_manager of team south is not a manager over team north"
    )
    listed = run_main("staff", "list", env=env)
    assert listed.stdout.splitlines() == [
        "tm-1\tteam_manager\tnorth\ttm-1@example.org\tactive",
        "tm-2\tteam_manager\tsouth\ttm-2@example.org\tactive",
    ]


@pytest.mark.parametrize(
    ("manager", "message"),
    [
        ("nobody", "error: --manager nobody: not in the staff directory"),
        ("sw-1", "error: --manager sw-1: does not hold role team_manager (holds: social_worker)"),
    ],
)
def test_an_escalating_manager_not_in_the_directory_is_one_line_and_nothing_is_recorded(
    env: dict[str, str], manager: str, message: str
) -> None:
    reference = _case_with_late_action(env)
    added = run_main(
        "staff", "add", "sw-1", "--role", "social_worker", "--team", "north", "--email", "s@example.org", env=env
    )
    assert added.returncode == 0, added.stderr
    args = ("escalate", reference, "--level", "service_manager", "--reason", "other", "--manager", manager)

    refused = run_main(*args, env=env)

    assert (refused.returncode, refused.stderr.strip()) == (2, message)
    shown = json.loads(run_main("case", "show", reference, "--json", env=env).stdout)
    assert shown["escalations"] == []
    assert not [event for event in shown["history"] if event["event"].startswith("escalation")]
