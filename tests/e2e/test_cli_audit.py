"""`caseflow audit verify`, run through the console script's entry point against a database written by real triggers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from tests.integration.test_case_service__builders import in_s47_enquiry, make_service, referred

pytestmark = pytest.mark.e2e


def environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return clean_environment(CASEFLOW_DATABASE_URL=database_url, CASEFLOW_DATA_DIR=str(tmp_path))


def tamper_with_event(engine: Engine, reference: str, seq: int) -> int:
    """Edit one audit event behind the application's back (dropping the append-only triggers first); its id."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        where = {"ref": reference, "seq": seq}
        conn.execute(
            sa.text("UPDATE audit_events SET actor_id = 'forger' WHERE case_reference = :ref AND seq = :seq"), where
        )
        return int(
            conn.execute(
                sa.text("SELECT id FROM audit_events WHERE case_reference = :ref AND seq = :seq"), where
            ).scalar_one()
        )


def test_verify_reports_ok_with_the_counts_of_a_good_trail(engine: Engine, database_url: str, tmp_path: Path) -> None:
    service = make_service(engine)
    in_s47_enquiry(service, "CP-1")
    referred(service, "CP-2")

    result = run_main("audit", "verify", env=environment(database_url, tmp_path))

    assert (result.returncode, result.stdout.strip()) == (0, "OK: 3 audit events in 2 cases verified"), result.stderr


def test_verify_names_the_case_seq_and_id_of_the_first_tampered_event_and_exits_1(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    service = make_service(engine)
    in_s47_enquiry(service, "CP-1")
    referred(service, "CP-2")
    event_id = tamper_with_event(engine, "CP-1", 1)
    env = environment(database_url, tmp_path)

    text = run_main("audit", "verify", env=env)
    as_json = run_main("audit", "verify", "--json", env=env)
    other_case = run_main("audit", "verify", "--case", "CP-2", env=env)

    assert text.returncode == 1
    assert text.stdout.splitlines() == [
        "BROKEN: 1 of 2 cases have a broken audit chain",
        f"case CP-1: first broken at seq 1 (event id {event_id}): hash does not match the event's contents: "
        "edited, or hashed without the audit key (forged)",
    ]
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "ok": False,
        "cases": 2,
        "events": 3,
        "broken": [
            {
                "case_reference": "CP-1",
                "seq": 1,
                "event_id": event_id,
                "problem": "hash does not match the event's contents: edited, or hashed without the audit key (forged)",
            }
        ],
    }
    assert (other_case.returncode, other_case.stdout.strip()) == (0, "OK: 1 audit events in 1 cases verified")


def test_verify_of_an_unknown_case_is_one_error_line(engine: Engine, database_url: str, tmp_path: Path) -> None:
    result = run_main("audit", "verify", "--case", "CP-404", env=environment(database_url, tmp_path))

    assert result.returncode == 2
    assert result.stderr.strip() == "error: case CP-404: not found (expected the reference of an existing case)"
    assert "Traceback" not in result.stderr
