"""`caseflow incidents`: operations staff list what failed and the outbox backlog, and retry one incident."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from workflows.delivery import OutboxClaims, incidents, register_worker
from workflows.persistence import make_engine, outbox
from workflows.settings import utc_now

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _stack_with_a_stuck_row(tmp_path: Path) -> tuple[dict[str, str], int]:
    """A migrated database holding one undelivered outbox row with an open incident; the env and incident id."""
    url = f"sqlite:///{tmp_path / 'caseflow.db'}"
    env = clean_environment(CASEFLOW_DATABASE_URL=url, CASEFLOW_DATA_DIR=str(tmp_path / "data"))
    assert run_main("db", "upgrade", env=env).returncode == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        outbox.append(
            connection, "CP-42", 1, "case_transition", {"reference": "CP-42", "trigger": "receive_referral"}, NOW
        )
        outbox_id = connection.exec_driver_sql("SELECT id FROM outbox").scalar_one()
        connection.exec_driver_sql("UPDATE outbox SET attempts = 5, last_error = 'RuntimeError: Failed to reach API'")
        incident_id = incidents.open_incident(
            connection,
            incidents.outbox_subject(outbox_id),
            incidents.OUTBOX_STUCK,
            "RuntimeError: Failed to reach API",
            NOW,
            case_reference="CP-42",
            outbox_id=outbox_id,
        )
    engine.dispose()
    return env, incident_id


def test_incidents_lists_open_incidents_and_undelivered_rows_as_json(tmp_path: Path) -> None:
    env, incident_id = _stack_with_a_stuck_row(tmp_path)

    result = run_main("incidents", "--json", env=env)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    [incident] = document["incidents"]
    [row] = document["undelivered"]
    assert (incident["id"], incident["kind"], incident["case_reference"]) == (incident_id, "outbox_stuck", "CP-42")
    assert (row["case_reference"], row["attempts"]) == ("CP-42", 5)


def test_incidents_lists_them_as_text_for_a_person(tmp_path: Path) -> None:
    env, incident_id = _stack_with_a_stuck_row(tmp_path)

    result = run_main("incidents", env=env)

    assert result.returncode == 0, result.stderr
    assert "open incidents: 1" in result.stdout
    assert f"#{incident_id} outbox_stuck  case CP-42" in result.stdout
    assert "undelivered outbox rows: 1" in result.stdout


def test_incidents_shows_the_backlog_and_each_worker_with_its_runs_in_flight(tmp_path: Path) -> None:
    env, _ = _stack_with_a_stuck_row(tmp_path)
    engine = make_engine(env["CASEFLOW_DATABASE_URL"])
    register_worker(engine, "worker-app1-4121", "app1", 4121, 4, utc_now())
    [held] = OutboxClaims(engine, "worker-app1-4121").claim(4)
    engine.dispose()

    text = run_main("incidents", env=env).stdout
    document = json.loads(run_main("incidents", "--json", env=env).stdout)

    assert "outbox backlog: 1 undelivered, oldest " in text and "runs in flight 1; backing off 0" in text
    assert "workers: 1" in text and "worker-app1-4121  4 at once  in flight 1  waiting behind them 0" in text
    assert f"outbox {held.id}  case CP-42" in text and "held by worker-app1-4121" in text
    assert document["backlog"]["undelivered"] == 1 and document["workers"][0]["in_flight"] == 1


def test_retrying_a_stuck_outbox_row_queues_it_for_the_next_dispatch(tmp_path: Path) -> None:
    env, incident_id = _stack_with_a_stuck_row(tmp_path)

    result = run_main("incidents", "retry", str(incident_id), env=env)

    assert result.returncode == 0, result.stderr
    assert "queued for the next dispatch" in result.stdout
    listed = json.loads(run_main("incidents", "--json", env=env).stdout)
    assert listed["incidents"][0]["retries"] == 1


def test_retrying_an_unknown_incident_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env, _ = _stack_with_a_stuck_row(tmp_path)

    result = run_main("incidents", "retry", "999", env=env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: incident 999: no open incident has this id (see `caseflow incidents`)"
    ]
