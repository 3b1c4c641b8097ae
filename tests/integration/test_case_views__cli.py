"""`cases`, `case show`, `overdue` and `trigger` in-process (typer's runner), on both backends.

The subprocess checks (one line, exit code, no traceback) are in tests/e2e/test_cli_cases.py; here the logic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from states.errors import CaseflowError, PermissionDenied, TransitionNotAllowed, UnknownTrigger
from tests.integration.case_views_builders import AS_OF, POLICIES, build_caseload
from tests.staff_builders import add_staff
from workflows.cli import app
from workflows.views import case_detail

TODAY = "2027-02-01"
MANAGER = ("--actor", "tm-1", "--role", "team_manager", "--today", TODAY)


@pytest.fixture
def caseload(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    build_caseload(engine)
    add_staff(engine)
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("CASEFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CASEFLOW_LOG_LEVEL", "WARNING")
    return engine


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _json(*args: str) -> Any:
    result = _run(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def _refused(*args: str) -> BaseException:
    result = _run(*args)
    assert isinstance(result.exception, CaseflowError), (result.output, result.exception)
    return result.exception


# --- the commands


def test_trigger_fires_through_the_service_and_prints_what_it_did(caseload: Engine) -> None:
    fired = _json("trigger", "CP-VIEW-3", "convene_icpc", "conference_date=2027-02-10", "--on", "2027-01-27", *MANAGER)
    assert (fired["from"], fired["to"], fired["occurred_on"]) == ("s47_enquiry", "icpc_planning", "2027-01-27")
    due = {action["kind"]: action["due_on"] for action in fired["opened"]}
    assert due["send_leaflet"] == "2027-02-05"  # conference Wed 10 Feb less 5 calendar days: Fri 5 Feb
    with caseload.connect() as connection:
        assert case_detail(connection, POLICIES, "CP-VIEW-3", AS_OF).status == "icpc_planning"


def test_a_creating_trigger_opens_a_new_case(caseload: Engine) -> None:
    result = _run(
        "trigger",
        "CP-NEW-1",
        "receive_referral",
        "date_of_birth=2016-01-01",
        "team=east",
        "--on",
        "2027-01-28",
        "--actor",
        "sw-9",
        "--role",
        "social_worker",
        "--today",
        TODAY,
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stdout.startswith("case CP-NEW-1: receive_referral on 2027-01-28: new -> referred (version 1)")
    assert "2016-01-01" not in result.stdout


def test_a_trigger_not_allowed_now_lists_the_allowed_ones(caseload: Engine) -> None:
    refused = _refused("trigger", "CP-VIEW-2", "start_s47", "--on", "2027-01-26", *MANAGER)
    assert isinstance(refused, TransitionNotAllowed)
    assert str(refused).startswith(
        "case CP-VIEW-2: trigger 'start_s47' is not allowed from status 'closed': allowed now: complete_action;"
    )


def test_an_unknown_trigger_lists_the_allowed_ones(caseload: Engine) -> None:
    refused = _refused("trigger", "CP-VIEW-3", "hold_conference", *MANAGER)
    assert isinstance(refused, UnknownTrigger)
    assert str(refused).startswith(
        "case CP-VIEW-3: unknown trigger 'hold_conference': allowed now: "
        "close_no_further_action, icpc_not_required, convene_icpc, record_birth, complete_action, allocate;"
    )


def test_a_trigger_on_an_unknown_case_is_refused_as_needing_an_existing_case(caseload: Engine) -> None:
    refused = _refused("trigger", "CP-NOWHERE", "start_s47", *MANAGER)
    assert isinstance(refused, TransitionNotAllowed)
    assert "needs an existing case" in str(refused)


def test_the_services_own_refusals_reach_the_command_line_unchanged(caseload: Engine) -> None:
    refused = _refused(
        "trigger",
        "CP-VIEW-3",
        "convene_icpc",
        "--on",
        "2027-01-27",
        "--actor",
        "bs-1",
        "--role",
        "business_support",
        "--today",
        TODAY,
    )
    assert isinstance(refused, PermissionDenied)


def test_cases_and_overdue_print_json_for_scripts(caseload: Engine) -> None:
    listed = _json("cases", "--overdue", "--team", "north", "--as-of", TODAY)
    assert [case["reference"] for case in listed["cases"]] == ["CP-VIEW-1"]
    dashboard = _json("overdue", "--by", "team", "--as-of", TODAY)
    assert (dashboard["total"], dashboard["by_team"]) == (5, {"north": 4, "south": 1})
    assert "by_level" not in dashboard
    assert dashboard["actions"][0]["working_days_late"] == 6


def test_case_show_prints_the_tables_without_the_birth_date(caseload: Engine) -> None:
    result = _run("case", "show", "CP-VIEW-1", "--as-of", TODAY)
    assert result.exit_code == 0, (result.output, result.exception)
    for fragment in ("CP-VIEW-1: core_groups as of 2027-02-01", "Open actions", "Escalations", "Notifications"):
        assert fragment in result.stdout
    assert "2015-03-02" not in result.stdout


def test_a_malformed_as_of_is_one_line(caseload: Engine) -> None:
    assert str(_refused("overdue", "--as-of", "2027-02-30")) == (
        "--as-of: '2027-02-30' is not a date in the calendar: expected YYYY-MM-DD, like 2027-03-10"
    )


def test_allocate_through_the_cli_and_case_show_names_the_worker(caseload: Engine) -> None:
    fired = _json("trigger", "CP-VIEW-3", "allocate", "worker=sw-1", *MANAGER)
    assert (fired["trigger"], fired["from"], fired["to"]) == ("allocate", "s47_enquiry", "s47_enquiry")
    assert _json("case", "show", "CP-VIEW-3", "--as-of", TODAY)["allocated_worker"] == "sw-1"
    shown = _run("case", "show", "CP-VIEW-3", "--as-of", TODAY)
    assert "(team south, allocated worker sw-1, policy default" in shown.stdout
