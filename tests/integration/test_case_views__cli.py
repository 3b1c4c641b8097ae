"""`cases`, `case show`, `overdue` and `trigger` in-process (typer's runner), on both backends.

The subprocess checks (one line, exit code, no traceback) are in tests/e2e/test_cli_cases.py; here the logic.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from states.errors import CaseflowError, PermissionDenied
from tests.integration.case_views_builders import AS_OF, POLICIES, build_caseload
from tests.staff_builders import add_staff
from workflows.cli import app
from workflows.cli.cases import DateInvalid, FieldInvalid, TriggerNotAllowedNow, trigger_data
from workflows.persistence import CaseNotFound
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


# --- field=value parsing


def test_values_take_the_type_of_the_triggers_field_and_on_fills_the_date_it_happened() -> None:
    assert trigger_data("record_visit", ["child_seen=yes", "seen_alone=False"], date(2027, 2, 1)) == {
        "child_seen": True,
        "seen_alone": False,
        "date": date(2027, 2, 1),
    }
    assert trigger_data("convene_icpc", ["conference_date=2027-02-10", "advocate_requested=true"], None) == {
        "conference_date": date(2027, 2, 10),
        "advocate_requested": True,
    }
    assert trigger_data("hold_icpc", ["outcome=cp_plan", "category=NEG", "date=2027-01-08"], date(2027, 1, 8)) == {
        "outcome": "cp_plan",
        "category": "NEG",
        "date": date(2027, 1, 8),
    }


def test_an_unknown_field_is_left_for_the_trigger_to_refuse_by_name() -> None:
    assert trigger_data("start_s47", ["strategy_date=2027-01-05"], None) == {"strategy_date": "2027-01-05"}


@pytest.mark.parametrize(
    ("fields", "on", "error", "fragment"),
    [
        (["outcome"], None, FieldInvalid, "expected field=value"),
        (["child_seen=maybe"], None, FieldInvalid, "child_seen: 'maybe' is not true or false"),
        (["conference_date=2027-13-01"], None, DateInvalid, "conference_date: '2027-13-01' is not a date"),
        (["date=2027-01-08", "date=2027-01-09"], None, FieldInvalid, "date: given twice"),
        (["date=2027-01-08"], date(2027, 1, 9), FieldInvalid, "disagree"),
    ],
)
def test_a_malformed_field_is_one_line(
    fields: list[str], on: date | None, error: type[Exception], fragment: str
) -> None:
    trigger = (
        "record_visit" if fields[0].startswith("child") else "convene_icpc" if "conf" in fields[0] else "hold_icpc"
    )
    with pytest.raises(error, match=fragment):
        trigger_data(trigger, fields, on)


def test_a_malformed_birth_date_is_refused_without_repeating_it() -> None:
    with pytest.raises(DateInvalid) as raised:
        trigger_data("receive_referral", ["date_of_birth=02/03/2015"], None)
    assert "date_of_birth" in str(raised.value) and "02/03/2015" not in str(raised.value)


def test_on_is_refused_for_a_trigger_that_records_no_date_of_its_own() -> None:
    with pytest.raises(FieldInvalid, match="set_conference_date records no date of its own"):
        trigger_data("set_conference_date", ["conference_date=2027-03-01"], date(2027, 2, 1))


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
    assert isinstance(refused, TriggerNotAllowedNow)
    assert str(refused) == "case CP-VIEW-2: 'start_s47' is not allowed in status closed: allowed now: complete_action"


def test_an_unknown_trigger_lists_the_allowed_ones(caseload: Engine) -> None:
    refused = _refused("trigger", "CP-VIEW-3", "hold_conference", *MANAGER)
    assert str(refused) == (
        "case CP-VIEW-3: 'hold_conference' is not a trigger: allowed now: "
        "close_no_further_action, icpc_not_required, convene_icpc, record_birth, complete_action, allocate"
    )


def test_a_trigger_on_an_unknown_case_is_case_not_found(caseload: Engine) -> None:
    assert isinstance(_refused("trigger", "CP-NOWHERE", "start_s47", *MANAGER), CaseNotFound)


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
        "--as-of '2027-02-30': not a date: expected YYYY-MM-DD, like 2027-03-10"
    )


def test_allocate_through_the_cli_and_case_show_names_the_worker(caseload: Engine) -> None:
    fired = _json("trigger", "CP-VIEW-3", "allocate", "worker=sw-1", *MANAGER)
    assert (fired["trigger"], fired["from"], fired["to"]) == ("allocate", "s47_enquiry", "s47_enquiry")
    assert _json("case", "show", "CP-VIEW-3", "--as-of", TODAY)["allocated_worker"] == "sw-1"
    shown = _run("case", "show", "CP-VIEW-3", "--as-of", TODAY)
    assert "(team south, allocated worker sw-1, policy default" in shown.stdout
