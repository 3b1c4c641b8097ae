"""`caseflow simulate` replays the two pre-proceedings scenarios shipped in config/scenarios (shown in the README).

Dates checked by hand on the calendar (bank holidays: Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027, spring
bank holiday 31 May 2027); WD counts take the anchor as day 0; weeks are 7 days, moved back off a non-working day.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from workflows.settings import REPOSITORY_CONFIG_DIR

pytestmark = pytest.mark.e2e

SCENARIOS = REPOSITORY_CONFIG_DIR / "scenarios"
TRACK = {
    "send_letter_before_proceedings",
    "hold_initial_pre_proceedings_meeting",
    "hold_fgdm",
    "review_pre_proceedings",
    "conclude_pre_proceedings",
    "apply_to_court",
    "send_letter_initiating_proceedings",
}


def _replay(tmp_path: Any, name: str) -> dict[str, Any]:
    env = clean_environment(CASEFLOW_DATA_DIR=str(tmp_path / "data"))
    result = run_main("simulate", str(SCENARIOS / name), "--json", env=env)
    assert result.returncode == 0, result.stderr
    replayed: dict[str, Any] = json.loads(result.stdout)
    return replayed


def _track_actions(case: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    return [(a["kind"], a["due_on"], a["status"], a["done_on"]) for a in case["actions"] if a["kind"] in TRACK]


def test_the_full_track_runs_beside_the_plan_to_the_letter_initiating_proceedings(tmp_path: Any) -> None:
    case = _replay(tmp_path, "pre_proceedings.yaml")
    assert (case["status"], case["pre_proceedings"]) == ("core_groups", "none")
    moves = [(h["trigger"], h["from"], h["to"], h.get("pre_proceedings")) for h in case["history"]]
    track = [move for move in moves if move[3] is not None]
    assert track[0] == ("start_pre_proceedings", "core_groups", "core_groups", "letter_due")
    # The plan's review conference is convened, and held, while the track is in its meetings.
    assert ("convene_review", "core_groups", "review_planning", "meetings") in track
    assert ("hold_pre_proceedings_meeting", "review_planning", "review_planning", "meetings") in track
    assert ("hold_review", "review_planning", "core_groups", "meetings") in track
    assert track[-1] == ("send_letter_initiating_proceedings", "core_groups", "core_groups", "none")
    assert sum(1 for move in moves if move[0] == "hold_core_group") == 5
    assert _track_actions(case) == [
        # start Mon 1 Feb + 5 WD: 2, 3, 4, 5, Mon 8 Feb.
        ("send_letter_before_proceedings", "2027-02-08", "done", "2027-02-05"),
        # letter Fri 5 Feb + 10 WD: 8-12 (5), 15-19 (10): Fri 19 Feb.
        ("hold_initial_pre_proceedings_meeting", "2027-02-19", "done", "2027-02-15"),
        # letter Fri 5 Feb + 20 WD: 22-26 Feb (15), 1-5 Mar (20): Fri 5 Mar.
        ("hold_fgdm", "2027-03-05", "done", "2027-02-24"),
        # initial meeting Mon 15 Feb + 42 days = Easter Monday 29 Mar; back past Sun, Sat, Good Friday: Thu 25 Mar.
        ("review_pre_proceedings", "2027-03-25", "done", "2027-03-24"),
        # review Wed 24 Mar + 42 days = Wed 5 May.
        ("review_pre_proceedings", "2027-05-05", "done", "2027-05-05"),
        # decision Wed 19 May + 5 WD: 20, 21, 24, 25, Wed 26 May.
        ("apply_to_court", "2027-05-26", "done", "2027-05-25"),
        # application Tue 25 May + 2 WD: 26, Thu 27 May.
        ("send_letter_initiating_proceedings", "2027-05-27", "done", "2027-05-26"),
        # initial meeting Mon 15 Feb + 16 weeks (112 days) = Mon 7 Jun 2027, a working day.
        ("conclude_pre_proceedings", "2027-06-07", "done", "2027-05-19"),
        # review Wed 5 May + 42 days = Wed 16 Jun: the next review, cancelled by the decision.
        ("review_pre_proceedings", "2027-06-16", "cancelled", None),
    ]


def test_stepping_down_cancels_what_the_track_had_open_and_the_plan_goes_on(tmp_path: Any) -> None:
    case = _replay(tmp_path, "pre_proceedings_step_down.yaml")
    assert (case["status"], case["pre_proceedings"]) == ("core_groups", "none")
    assert case["history"][-1]["trigger"] == "decide_pre_proceedings"
    assert case["history"][-1]["pre_proceedings"] == "none"
    assert _track_actions(case) == [
        ("send_letter_before_proceedings", "2027-02-08", "done", "2027-02-05"),
        ("hold_initial_pre_proceedings_meeting", "2027-02-19", "done", "2027-02-15"),
        # The FGDM offered was never recorded: stepping down cancels it.
        ("hold_fgdm", "2027-03-05", "cancelled", None),
        ("review_pre_proceedings", "2027-03-25", "done", "2027-03-24"),
        ("review_pre_proceedings", "2027-05-05", "cancelled", None),
        ("conclude_pre_proceedings", "2027-06-07", "done", "2027-04-21"),
    ]
    open_plan_work = {a["kind"] for a in case["actions"] if a["status"] == "open"}
    assert "hold_core_group" in open_plan_work and "hold_first_review" in open_plan_work
