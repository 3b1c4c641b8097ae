"""SpiffWorkflow runs the pre-proceedings track in its own region beside the lifecycle, as our track machine does."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from benchmarks.spiff_lifecycle import SpiffPathRefused, Step, run_path
from states.pre_proceedings import TRACK_TRANSITIONS, TrackSpec, TrackStatus, next_track_status
from workflows.diagrams import export_bpmn

TO_CP_PLAN = ["receive_referral", "start_s47", "convene_icpc", "hold_icpc(cp_plan)"]
TO_CIN_PLAN = ["receive_referral", "start_s47", "icpc_not_required(cin_plan)"]


@pytest.fixture(scope="module")
def bpmn_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_bpmn(tmp_path_factory.mktemp("bpmn") / "lifecycle.bpmn")


def step_text(spec: TrackSpec) -> str:
    return spec.trigger if spec.route is None else f"{spec.trigger}({spec.route})"


def track_path_to(status: TrackStatus) -> list[str]:
    """A shortest path of track steps from no pre-proceedings to `status`, found in the track's table."""
    queue: deque[tuple[TrackStatus, list[str]]] = deque([(TrackStatus.NONE, [])])
    seen = {TrackStatus.NONE}
    while queue:
        here, steps = queue.popleft()
        if here == status:
            return steps
        for spec in TRACK_TRANSITIONS:
            if here in spec.sources and spec.dest not in seen:
                seen.add(spec.dest)
                queue.append((spec.dest, [*steps, step_text(spec)]))
    raise AssertionError(f"no path to {status}")


def our_tracks(steps: list[str]) -> list[str]:
    """The track task our machine's track status names after each track step."""
    status, seen = TrackStatus.NONE, []
    for text in steps:
        step = Step.parse(text)
        status = next_track_status(status, step.trigger, step.route)
        seen.append(f"Task_track_{status.value}")
    return seen


@pytest.mark.parametrize(
    "spec_index, source",
    [(index, source) for index, spec in enumerate(TRACK_TRANSITIONS) for source in spec.sources],
)
def test_every_row_of_the_track_table_moves_spiffs_region_as_our_track_machine_and_the_plan_stays(
    bpmn_path: Path, tmp_path: Path, spec_index: int, source: TrackStatus
) -> None:
    track = [*track_path_to(source), step_text(TRACK_TRANSITIONS[spec_index])]
    run = run_path(bpmn_path, [*TO_CP_PLAN, *track], tmp_path / "spiff.db")
    assert list(run.tracks[len(TO_CP_PLAN) :]) == our_tracks(track)
    assert set(run.statuses[len(TO_CP_PLAN) - 1 :]) == {"Task_core_groups"}


def test_the_issues_episode_runs_to_the_letter_initiating_proceedings_while_core_groups_and_a_review_go_on(
    bpmn_path: Path, tmp_path: Path
) -> None:
    steps = [
        *TO_CP_PLAN,
        "start_pre_proceedings",
        "hold_core_group",
        "send_letter_before_proceedings",
        "record_fgdm",
        "hold_pre_proceedings_meeting",
        "convene_review",
        "hold_pre_proceedings_meeting",
        "hold_review(continue_plan)",
        "hold_pre_proceedings_meeting",
        "decide_pre_proceedings(issue_proceedings)",
        "apply_to_court",
        "send_letter_initiating_proceedings",
    ]
    run = run_path(bpmn_path, steps, tmp_path / "spiff.db")
    after = list(
        zip(steps[len(TO_CP_PLAN) :], run.statuses[len(TO_CP_PLAN) :], run.tracks[len(TO_CP_PLAN) :], strict=True)
    )
    assert after == [
        ("start_pre_proceedings", "Task_core_groups", "Task_track_letter_due"),
        ("hold_core_group", "Task_core_groups", "Task_track_letter_due"),
        ("send_letter_before_proceedings", "Task_core_groups", "Task_track_letter_sent"),
        ("record_fgdm", "Task_core_groups", "Task_track_letter_sent"),
        ("hold_pre_proceedings_meeting", "Task_core_groups", "Task_track_meetings"),
        ("convene_review", "Task_review_planning", "Task_track_meetings"),
        ("hold_pre_proceedings_meeting", "Task_review_planning", "Task_track_meetings"),
        ("hold_review(continue_plan)", "Task_core_groups", "Task_track_meetings"),
        ("hold_pre_proceedings_meeting", "Task_core_groups", "Task_track_meetings"),
        ("decide_pre_proceedings(issue_proceedings)", "Task_core_groups", "Task_track_issuing"),
        ("apply_to_court", "Task_core_groups", "Task_track_applied"),
        # The episode's sub-process ended; the region waits for the next one.
        ("send_letter_initiating_proceedings", "Task_core_groups", "Task_track_none"),
    ]
    assert not run.completed


def test_stepping_down_ends_the_episode_and_a_second_one_can_start(bpmn_path: Path, tmp_path: Path) -> None:
    steps = [
        *TO_CP_PLAN,
        *track_path_to(TrackStatus.MEETINGS),
        "decide_pre_proceedings(step_down)",
        "start_pre_proceedings",
    ]
    run = run_path(bpmn_path, steps, tmp_path / "spiff.db")
    assert run.tracks[-2:] == ("Task_track_none", "Task_track_letter_due")


@pytest.mark.parametrize(
    "steps",
    [
        [*TO_CP_PLAN, "start_pre_proceedings", "send_letter_before_proceedings", "end_plan(close)"],
        [*TO_CIN_PLAN, "start_pre_proceedings", "close_case"],
        [*TO_CIN_PLAN, "close_case"],
    ],
    ids=["open-episode-on-a-cp-plan", "open-episode-on-a-cin-plan", "no-episode"],
)
def test_closing_the_case_ends_the_region_wherever_it_waits_and_the_process_completes(
    bpmn_path: Path, tmp_path: Path, steps: list[str]
) -> None:
    run = run_path(bpmn_path, steps, tmp_path / "spiff.db")
    assert (run.statuses[-1], run.tracks[-1], run.completed) == (None, None, True)
    assert run.tracks[-2] is not None  # the region was waiting just before the closure


def test_the_track_runs_beside_a_child_in_need_plan(bpmn_path: Path, tmp_path: Path) -> None:
    run = run_path(bpmn_path, [*TO_CIN_PLAN, "start_pre_proceedings"], tmp_path / "spiff.db")
    assert (run.statuses[-1], run.tracks[-1]) == ("Task_cin_plan", "Task_track_letter_due")


def test_a_decision_the_track_table_does_not_have_is_refused(bpmn_path: Path, tmp_path: Path) -> None:
    steps = [*TO_CP_PLAN, *track_path_to(TrackStatus.MEETINGS), "decide_pre_proceedings(adjourn)"]
    with pytest.raises(SpiffPathRefused, match="Task_track_meetings refused trigger 'decide_pre_proceedings'"):
        run_path(bpmn_path, steps, tmp_path / "spiff.db")


def test_no_track_trigger_is_taken_once_the_case_has_closed(bpmn_path: Path, tmp_path: Path) -> None:
    with pytest.raises(SpiffPathRefused, match="the process has ended"):
        run_path(bpmn_path, [*TO_CIN_PLAN, "close_case", "start_pre_proceedings"], tmp_path / "spiff.db")
