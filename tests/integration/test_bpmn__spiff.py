"""SpiffWorkflow loads the exported lifecycle, and runs paths through it exactly as our own state machine does."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.util.task import TaskState

from benchmarks.spiff_lifecycle import FULL_PATH, SpiffPathRefused, Step, load_spec, run_path
from states.lifecycle import TRANSITIONS, CaseStatus, next_status
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from workflows.diagrams import PROCESS_ID, export_bpmn


@pytest.fixture(scope="module")
def bpmn_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_bpmn(tmp_path_factory.mktemp("bpmn") / "lifecycle.bpmn")


def our_statuses(steps: list[str]) -> list[CaseStatus]:
    status, seen = CaseStatus.NEW, []
    for text in steps:
        step = Step.parse(text)
        status = next_status(status, step.trigger, step.route)
        seen.append(status)
    return seen


def spiff_name(status: CaseStatus, steps_left: int) -> str | None:
    """What the Spiff driver reports for a status: its waiting task, or None once the process has ended there."""
    return None if status == CaseStatus.CLOSED and steps_left == 0 else f"Task_{status.value}"


def path_to(status: CaseStatus) -> list[str]:
    """A shortest path of steps from a new case to `status`, found in the table."""
    queue: deque[tuple[CaseStatus, list[str]]] = deque([(CaseStatus.NEW, [])])
    seen = {CaseStatus.NEW}
    while queue:
        here, steps = queue.popleft()
        if here == status:
            return steps
        for spec in TRANSITIONS:
            if here in spec.sources and spec.dest not in seen:
                seen.add(spec.dest)
                queue.append(
                    (spec.dest, [*steps, spec.trigger if spec.route is None else f"{spec.trigger}({spec.route})"])
                )
    raise AssertionError(f"no path to {status}")


def test_spiff_validates_the_export_against_the_bpmn_schema_and_builds_a_workflow(bpmn_path: Path) -> None:
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(bpmn_path))
    workflow = BpmnWorkflow(parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID))
    workflow.do_engine_steps()
    # The process forks at its start: the lifecycle waits for a new case's trigger, the track for an episode.
    ready = [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.READY, manual=True)]
    assert sorted(ready) == ["Task_new", "Task_track_none"]
    assert not workflow.is_completed()


def test_the_full_path_reaches_the_end_event_saving_to_sqlite_at_every_step(bpmn_path: Path, tmp_path: Path) -> None:
    run = run_path(bpmn_path, FULL_PATH, tmp_path / "spiff.db")
    assert run.completed
    assert run.statuses == (
        "Task_referred",
        "Task_s47_enquiry",
        "Task_icpc_planning",
        "Task_core_groups",
        "Task_core_groups",
        "Task_review_planning",
        None,
    )


@pytest.mark.parametrize(
    "spec_index, source",
    [
        (index, source)
        for index, spec in enumerate(TRANSITIONS)
        for source in spec.sources
        # The track's rows are fired in its own region: tests/integration/test_bpmn__spiff_track.py runs them.
        if source != CaseStatus.CLOSED and spec.trigger not in PRE_PROCEEDINGS_TRIGGERS
    ],
)
def test_every_row_of_the_table_moves_spiff_to_the_same_status_as_our_machine(
    bpmn_path: Path, tmp_path: Path, spec_index: int, source: CaseStatus
) -> None:
    spec = TRANSITIONS[spec_index]
    steps = [*path_to(source), spec.trigger if spec.route is None else f"{spec.trigger}({spec.route})"]
    run = run_path(bpmn_path, steps, tmp_path / "spiff.db")
    ours = our_statuses(steps)
    assert list(run.statuses) == [spiff_name(status, len(ours) - n - 1) for n, status in enumerate(ours)]


def test_a_trigger_not_allowed_from_the_waiting_status_is_refused(bpmn_path: Path, tmp_path: Path) -> None:
    with pytest.raises(SpiffPathRefused, match="Task_referred refused trigger 'hold_icpc'"):
        run_path(bpmn_path, ["receive_referral", "hold_icpc(cp_plan)"], tmp_path / "spiff.db")


def test_a_route_the_table_does_not_have_is_refused(bpmn_path: Path, tmp_path: Path) -> None:
    with pytest.raises(SpiffPathRefused, match="route 'adjourned'"):
        run_path(bpmn_path, [*path_to(CaseStatus.ICPC_PLANNING), "hold_icpc(adjourned)"], tmp_path / "spiff.db")


def test_nothing_is_waiting_once_the_lifecycle_has_ended(bpmn_path: Path, tmp_path: Path) -> None:
    with pytest.raises(SpiffPathRefused, match="the process has ended"):
        run_path(bpmn_path, [*FULL_PATH, "complete_action"], tmp_path / "spiff.db")


def test_a_malformed_step_is_refused_before_anything_runs() -> None:
    with pytest.raises(SpiffPathRefused, match="is not 'trigger' or 'trigger\\(route\\)'"):
        Step.parse("hold_icpc(cp plan)")


def test_the_spec_is_parsed_by_the_driver_from_the_file(bpmn_path: Path) -> None:
    assert load_spec(bpmn_path).name == PROCESS_ID
