"""`caseflow simulate`: replay a scenario file through the real service and print the case as of a date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from workflows.settings import REPOSITORY_CONFIG_DIR

pytestmark = pytest.mark.e2e

EXAMPLE = REPOSITORY_CONFIG_DIR / "scenarios" / "example.yaml"

# The issue's own example: no preparatory action is marked done before the conference is held.
BARE_EXAMPLE = """\
policy: default
case: {reference: CP-EXAMPLE-1, date_of_birth: 2015-03-02}
events:
  - {on: 2026-12-14, trigger: receive_referral}
  - {on: 2026-12-16, trigger: start_s47}
  - {on: 2026-12-17, trigger: convene_icpc, conference_date: 2027-01-08}
  - {on: 2027-01-08, trigger: hold_icpc, outcome: cp_plan, category: NEG}
as_of: 2027-02-01
"""


def _simulate(tmp_path: Path, *args: str) -> object:
    return run_main("simulate", *args, env=clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data")))


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return str(path)


def _one_line_error(result: object) -> str:
    assert result.returncode == 2, result.stdout + result.stderr  # type: ignore[attr-defined]
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, stderr
    return stderr


def test_the_documented_example_replays_to_a_plan_with_hand_checked_due_dates(tmp_path: Path) -> None:
    result = _simulate(tmp_path, str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    case = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert case["reference"] == "CP-EXAMPLE-1"
    assert case["status"] == "core_groups"
    assert [(step["trigger"], step["from"], step["to"]) for step in case["history"]][:3] == [
        ("receive_referral", "new", "referred"),
        ("start_s47", "referred", "s47_enquiry"),
        ("convene_icpc", "s47_enquiry", "icpc_planning"),
    ]
    assert case["history"][4] == {
        "on": "2026-12-22",
        "trigger": "record_child_participation",
        "from": "icpc_planning",
        "to": "icpc_planning",
        "actor": "social_worker",
    }
    assert case["history"][9] == {
        "on": "2027-01-08",
        "trigger": "hold_icpc",
        "from": "icpc_planning",
        "to": "core_groups",
        "actor": "cp_chair",
    }
    due = {action["kind"]: (action["due_on"], action["status"]) for action in case["actions"]}
    # hand-checked, calendar 2026-27 (bank holidays Fri 25 Dec, Mon 28 Dec, Fri 1 Jan):
    # referral Mon 14 Dec + 1 WD -> Tue 15 Dec
    assert due["referral_decision"] == ("2026-12-15", "done")
    # strategy discussion Wed 16 Dec + 15 WD: 17,18, 21-24, 29-31, 4-8 Jan = 14, Mon 11 Jan = 15th
    assert due["hold_icpc"] == ("2027-01-11", "done")
    # conference Fri 8 Jan - 5 calendar days = Sun 3 Jan -> back past Sat 2 and Fri 1 Jan (bank holiday) -> Thu 31 Dec
    assert due["send_leaflet"] == ("2026-12-31", "done")
    # conference Fri 8 Jan: reports shared 2 WD before -> Wed 6 Jan; agency reports 3 WD before -> Tue 5 Jan
    assert due["share_reports_with_family"] == ("2027-01-06", "done")
    assert due["submit_agency_reports"] == ("2027-01-05", "done")
    # the child's participation 5 WD before Fri 8 Jan: Thu 7, Wed 6, Tue 5, Mon 4 Jan, Thu 31 Dec (1 Jan a bank holiday)
    assert due["decide_child_participation"] == ("2026-12-31", "done")
    # ICPC held Fri 8 Jan: first core group 10 WD -> Fri 22 Jan; minutes 15 WD -> Fri 29 Jan
    assert due["hold_first_core_group"] == ("2027-01-22", "open")
    assert due["circulate_minutes"] == ("2027-01-29", "open")
    # first review 3 calendar months after Fri 8 Jan -> Thu 8 Apr 2027, a working day (Easter was 26-29 Mar)
    assert due["hold_first_review"] == ("2027-04-08", "open")
    overdue = {item["kind"]: item["working_days_overdue"] for item in case["overdue"]}
    # as of Mon 1 Feb: due Fri 22 Jan -> 25-29 Jan and 1 Feb = 6 WD late; due Fri 29 Jan -> 1 WD late
    assert overdue["hold_first_core_group"] == 6
    assert overdue["circulate_minutes"] == 1
    assert "hold_first_review" not in overdue


def test_the_readable_output_names_the_case_its_status_and_the_overdue_work(tmp_path: Path) -> None:
    result = _simulate(tmp_path, str(EXAMPLE))
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    assert "CP-EXAMPLE-1: core_groups as of 2027-02-01" in result.stdout  # type: ignore[attr-defined]
    assert "hold_first_core_group" in result.stdout  # type: ignore[attr-defined]


def test_as_of_on_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    result = _simulate(tmp_path, str(EXAMPLE), "--as-of", "2027-01-22", "--json")
    case = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert case["as_of"] == "2027-01-22"
    # as of Fri 22 Jan the first core group is due that day, not yet late; minutes (29 Jan) not yet due
    assert {item["kind"] for item in case["overdue"]} == set()


def test_the_issues_bare_example_replays_with_the_preparation_never_done_cancelled(tmp_path: Path) -> None:
    result = _simulate(tmp_path, _write(tmp_path, BARE_EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    case = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert case["status"] == "core_groups"
    actions = {action["kind"]: (action["due_on"], action["status"]) for action in case["actions"]}
    # hand-checked: SD Wed 16 Dec 2026 + 15 WD (17, 18, 21-24 Dec; 25 and 28 Dec bank holidays; 29-31 Dec;
    # 1 Jan a bank holiday; 4-8 Jan, 11 Jan) -> Mon 11 Jan 2027; held Fri 8 Jan, so done
    assert actions["hold_icpc"] == ("2027-01-11", "done")
    # leaflet 5 calendar days before Fri 8 Jan -> Sun 3 Jan, not a working day -> the previous one, Thu 31 Dec
    assert actions["send_leaflet"] == ("2026-12-31", "cancelled")
    assert actions["share_reports_with_family"][1] == "cancelled"
    overdue = {item["kind"]: item["working_days_overdue"] for item in case["overdue"]}
    # decision letter 1 WD after Fri 8 Jan -> Mon 11 Jan; as of Mon 1 Feb: 12-15, 18-22, 25-29 Jan, 1 Feb = 15 WD
    assert overdue["send_decision_letter"] == 15
    assert overdue["hold_first_core_group"] == 6
    assert "send_leaflet" not in overdue


def test_where_preparation_is_mandatory_holding_the_conference_is_refused_listing_the_open_actions(
    tmp_path: Path,
) -> None:
    scenario = BARE_EXAMPLE.replace("policy: default", "policy: authority_a")
    message = _one_line_error(_simulate(tmp_path, _write(tmp_path, scenario)))
    assert "events[3] (hold_icpc on 2027-01-08)" in message
    for kind in ("chair_pre_meeting", "send_leaflet", "share_reports_with_family"):
        assert kind in message
    assert "override_reason" in message


def test_an_event_later_than_as_of_is_refused(tmp_path: Path) -> None:
    message = _one_line_error(_simulate(tmp_path, _write(tmp_path, BARE_EXAMPLE), "--as-of", "2026-12-15"))
    assert "events[1] (start_s47 on 2026-12-16)" in message


def test_an_unknown_trigger_lists_the_allowed_ones(tmp_path: Path) -> None:
    text = BARE_EXAMPLE.replace("trigger: start_s47", "trigger: start_enquiry")
    message = _one_line_error(_simulate(tmp_path, _write(tmp_path, text)))
    assert "start_enquiry" in message and "start_s47" in message


def test_a_malformed_date_names_the_event_and_field(tmp_path: Path) -> None:
    text = BARE_EXAMPLE.replace("{on: 2026-12-16,", "{on: 2026-13-16,")
    message = _one_line_error(_simulate(tmp_path, _write(tmp_path, text)))
    assert "events[1].on" in message


def test_a_missing_scenario_file_is_one_line(tmp_path: Path) -> None:
    message = _one_line_error(_simulate(tmp_path, str(tmp_path / "nowhere.yaml")))
    assert "nowhere.yaml" in message


def test_each_event_is_recorded_on_its_own_day_not_on_as_of(tmp_path: Path) -> None:
    scenario = """\
policy: default
case: {reference: CP-TRANSFER-1, date_of_birth: 2018-02-03}
events:
  - {on: 2026-12-14, trigger: receive_transfer_in}
  - {on: 2026-12-21, trigger: set_conference_date, conference_date: 2027-01-06}
as_of: 2027-01-04
"""
    result = _simulate(tmp_path, _write(tmp_path, scenario), "--json")
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    case = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert [(step["on"], step["trigger"]) for step in case["history"]] == [
        ("2026-12-14", "receive_transfer_in"),
        ("2026-12-21", "set_conference_date"),
    ]
    booked = [action for action in case["actions"] if action["kind"] == "book_conference"]
    # hand-checked: notice Mon 14 Dec 2026, booking due 1 WD later (Tue 15 Dec), booked when the date was set, Mon 21
    assert booked == [{"kind": "book_conference", "due_on": "2026-12-15", "status": "done", "done_on": "2026-12-21"}]


def test_an_event_without_a_date_of_its_own_later_than_as_of_is_refused(tmp_path: Path) -> None:
    text = BARE_EXAMPLE.replace(
        "  - {on: 2027-01-08, trigger: hold_icpc, outcome: cp_plan, category: NEG}\n",
        "  - {on: 2027-01-05, trigger: set_conference_date, conference_date: 2027-01-12}\n",
    )
    message = _one_line_error(_simulate(tmp_path, _write(tmp_path, text), "--as-of", "2027-01-04"))
    assert "events[3] (set_conference_date on 2027-01-05): 2027-01-05 is after as_of 2027-01-04" in message
