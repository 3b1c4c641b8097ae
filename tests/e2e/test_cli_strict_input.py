"""Strict input at the command line: each refusal one line, exit 2; a refusal on an existing case is on record."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli_in_process import Ran, run_main

pytestmark = pytest.mark.e2e

# Mon 2 Nov 2026 referral, Tue 3 Nov strategy discussion; "today" Tue 10 Nov 2026.
SOCIAL_WORKER = ("--actor", "sw-1", "--role", "social_worker", "--today", "2026-11-10")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {"CASEFLOW_DATA_DIR": str(tmp_path / "data"), "CASEFLOW_LOG_LEVEL": "WARNING", "HOME": str(tmp_path)}
    assert run_main("db", "upgrade", env=environment).returncode == 0
    # The command line acts only as a member of the staff directory holding the role.
    staff = ("staff", "add", "sw-1", "--role", "social_worker", "--team", "north", "--email", "sw-1@example.org")
    assert run_main(*staff, env=environment).returncode == 0
    referral = ("date_of_birth=2015-03-02", "team=north", "--on", "2026-11-02")
    assert run_main("trigger", "CP-1", "receive_referral", *referral, *SOCIAL_WORKER, env=environment).returncode == 0
    return environment


def _refusals(env: dict[str, str]) -> list[tuple[str | None, str]]:
    with sqlite3.connect(Path(env["CASEFLOW_DATA_DIR"]) / "caseflow.db") as connection:
        rows = connection.execute(
            "SELECT trigger, payload FROM audit_events WHERE event_type = 'trigger_refused' ORDER BY seq"
        )
        return list(rows)


def _one_line(ran: Ran) -> str:
    assert ran.returncode == 2, ran
    assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    assert "unexpected" not in ran.stderr
    return ran.stderr.strip()


@pytest.mark.parametrize(
    ("args", "category"),
    [
        (("hold_party",), "unknown_trigger"),
        (("record_visit", "date=2026-11-10", "child_seen=true", "seen_alone=false"), "wrong_status"),
        (("start_s47", "--on", "20261103"), "bad_data"),
        (("start_s47", "--on", "2026-11-03", "override_reason="), "bad_data"),
    ],
)
def test_a_refusal_the_command_line_meets_is_recorded_by_the_service_with_its_category(
    env: dict[str, str], args: tuple[str, ...], category: str
) -> None:
    _one_line(run_main("trigger", "CP-1", *args, *SOCIAL_WORKER, env=env))

    refusals = _refusals(env)
    assert len(refusals) == 1
    trigger, payload = refusals[0]
    assert f'"category":"{category}"' in payload.replace(" ", "")
    assert "20261103" not in payload  # the refused value itself is never kept
    assert trigger == (None if category == "unknown_trigger" else args[0])


def test_a_personal_value_is_never_repeated_in_an_error(env: dict[str, str]) -> None:
    error = _one_line(
        run_main("trigger", "CP-1", "start_s47", "--on", "2026-11-03", "--on", "x", *SOCIAL_WORKER, env=env)
    )
    referral = ("date_of_birth=2015/03/02", "--on", "2026-11-02")
    error = _one_line(run_main("trigger", "CP-2", "receive_referral", *referral, *SOCIAL_WORKER, env=env))
    assert "2015/03/02" not in error and "date_of_birth" in error


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("sweep", "--local", "--as-of", ""), "--as-of: empty"),
        (
            (
                "escalate",
                "CP-1",
                "--level",
                "team_manager",
                "--reason",
                "other",
                "--manager",
                "tm",
                "--today",
                "0001-01-01",
            ),
            "before 1900",
        ),
        (("cases", "--as-of", "2099-12-31"), "more than a year after today"),
        (("trigger", "CP-1\nerror: forged", "start_s47", *SOCIAL_WORKER), "'CP-1\\nerror: forged'"),
        (("overdue", "--limit", str(2**64)), "--limit"),
        (("incidents", "retry", str(2**64)), "incident_id"),
        (
            ("export", "cin-census", "--year", "2026-27", "--la-code", "\u0662\u0660\u0662", "--out", "x.xml"),
            "three-digit",
        ),
        (("case", "show", "caf\udce9"), "argument 3 is not valid UTF-8"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(env: dict[str, str], args: tuple[str, ...], fragment: str) -> None:
    assert fragment in _one_line(run_main(*args, env=env))


def test_writing_into_a_missing_folder_or_a_full_device_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "case.png"
    assert "cannot be" in _one_line(
        run_main("case", "timeline", "CP-1", "--out", str(missing), "--as-of", "2026-11-10", env=env)
    )
    assert "No space left on device" in _one_line(
        run_main("case", "timeline", "CP-1", "--out", "/dev/full", "--as-of", "2026-11-10", env=env)
    )
