"""Drive a path of triggers through the lifecycle BPMN in SpiffWorkflow, saving the workflow to SQLite after each step.

A step is a trigger name, with the route (outcome) it takes in brackets when it has one: "hold_icpc(cp_plan)".
Each step loads the workflow from its SQLite row, completes the waiting user task with `trigger` and `route` as
task data, runs the engine to the next wait, and saves the workflow back: the same unit of work as a persisted
trigger of our own, for the benchmark to compare. A pre-proceedings trigger completes the task waiting in the
track's region (beside the lifecycle), every other trigger the lifecycle's.

    python benchmarks/spiff_lifecycle.py [--repeat N] [STEP ...]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from states.errors import CaseflowError
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from workflows.diagrams import PROCESS_ID, TRACK_TASK_PREFIX, export_bpmn

FULL_PATH = (
    "receive_referral",
    "start_s47",
    "convene_icpc",
    "hold_icpc(cp_plan)",
    "hold_core_group",
    "convene_review",
    "hold_review(end_plan_close)",
)
_STEP = re.compile(r"^(?P<trigger>[a-z0-9_]+)(?:\((?P<route>[a-z0-9_]+)\))?$")
_SERIALIZER = BpmnWorkflowSerializer()


class SpiffPathRefused(CaseflowError):
    """A step of the path is malformed, or the workflow has no user task waiting for it."""


@dataclass(frozen=True)
class Step:
    """One trigger of a path and the route it takes, if any."""

    trigger: str
    route: str | None = None

    @classmethod
    def parse(cls, text: str) -> Step:
        match = _STEP.match(text)
        if match is None:
            raise SpiffPathRefused(f"step {text!r} is not 'trigger' or 'trigger(route)'")
        return cls(match["trigger"], match["route"])


@dataclass(frozen=True)
class SpiffRun:
    """What a path did: the status waiting after each step (None once the process ended), and the track's."""

    statuses: tuple[str | None, ...]
    completed: bool
    seconds: float
    cpu_seconds: float = 0.0
    tracks: tuple[str | None, ...] = ()


def load_spec(bpmn_path: Path) -> BpmnProcessSpec:
    """Parse the lifecycle process out of a BPMN file."""
    return load_specs(bpmn_path)[0]


def load_specs(bpmn_path: Path) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """Parse the lifecycle process and its sub-processes (the pre-proceedings episode) out of a BPMN file."""
    parser = BpmnParser()
    parser.add_bpmn_file(str(bpmn_path))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


class WorkflowTable:
    """One SQLite row per workflow, holding Spiff's JSON serialisation."""

    def __init__(self, database: Path) -> None:
        self._db = sqlite3.connect(database)
        # The same durability settings as the application's own SQLite database, so the comparison is like for like.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spiff_workflow (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    def save(self, workflow_id: int, workflow: BpmnWorkflow) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO spiff_workflow (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                (workflow_id, _SERIALIZER.serialize_json(workflow)),
            )

    def load(self, workflow_id: int) -> BpmnWorkflow:
        (body,) = self._db.execute("SELECT body FROM spiff_workflow WHERE id = ?", (workflow_id,)).fetchone()
        workflow: BpmnWorkflow = _SERIALIZER.deserialize_json(body)
        return workflow

    def close(self) -> None:
        self._db.close()


def _ready(workflow: BpmnWorkflow, track: bool) -> list[Task]:
    """The user tasks waiting in the lifecycle, or (track=True) in the pre-proceedings region beside it."""
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    return [task for task in ready if task.task_spec.bpmn_id.startswith(TRACK_TASK_PREFIX) == track]


def waiting_status(workflow: BpmnWorkflow) -> str | None:
    """The BPMN id of the status task waiting for a trigger, or None when the process has ended."""
    ready = _ready(workflow, track=False)
    return ready[0].task_spec.bpmn_id if ready else None


def waiting_track(workflow: BpmnWorkflow) -> str | None:
    """The BPMN id of the pre-proceedings track's waiting task, or None when the region has ended."""
    ready = _ready(workflow, track=True)
    return ready[0].task_spec.bpmn_id if ready else None


def fire(workflow: BpmnWorkflow, step: Step) -> None:
    """Complete the waiting status (or track) task with the step's trigger and route, and run on to the next wait."""
    ready = _ready(workflow, track=step.trigger in PRE_PROCEEDINGS_TRIGGERS)
    if not ready:
        raise SpiffPathRefused(f"no status is waiting for trigger {step.trigger!r}: the process has ended")
    ready[0].data.update(trigger=step.trigger, route=step.route)
    try:
        ready[0].run()
        workflow.do_engine_steps()
    except WorkflowException as exc:
        status = ready[0].task_spec.bpmn_id
        raise SpiffPathRefused(f"{status} refused trigger {step.trigger!r} (route {step.route!r}): {exc}") from None


def start(
    table: WorkflowTable, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec], workflow_id: int
) -> None:
    """Create the workflow, run it to its first wait, and save it."""
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    table.save(workflow_id, workflow)


def run_path(
    bpmn_path: Path,
    steps: Sequence[str],
    database: Path,
    workflow_id: int = 1,
    spec: BpmnProcessSpec | None = None,
    subprocess_specs: dict[str, BpmnProcessSpec] | None = None,
) -> SpiffRun:
    """Run `steps` through the BPMN, loading the workflow from and saving it to SQLite around every step.

    A trigger that keeps the case in its status (complete_action, record_visit) is a repeat of the status's
    looping user task. Pass `spec` (from load_spec) to run many paths without parsing the file each time, and
    `subprocess_specs` (from load_specs) too when the path enters a pre-proceedings episode.
    """
    path = [Step.parse(text) for text in steps]
    table = WorkflowTable(database)
    try:
        specs = (spec, subprocess_specs or {}) if spec is not None else load_specs(bpmn_path)
        start(table, *specs, workflow_id)
        began, began_cpu = time.perf_counter(), time.process_time()
        statuses: list[str | None] = []
        tracks: list[str | None] = []
        for step in path:
            workflow = table.load(workflow_id)
            fire(workflow, step)
            table.save(workflow_id, workflow)
            statuses.append(waiting_status(workflow))
            tracks.append(waiting_track(workflow))
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
        completed = table.load(workflow_id).is_completed()
    finally:
        table.close()
    return SpiffRun(tuple(statuses), completed, seconds, cpu_seconds, tuple(tracks))


def main(argv: Sequence[str] | None = None) -> int:
    """Time REPEAT runs of a path (default: referral to closure through one review) and print steps per second."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("steps", nargs="*", default=list(FULL_PATH))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        bpmn_path = export_bpmn(Path(folder) / "lifecycle.bpmn")
        spec, subprocess_specs = load_specs(bpmn_path)
        runs = [
            run_path(bpmn_path, args.steps, Path(folder) / "spiff.db", number, spec, subprocess_specs)
            for number in range(args.repeat)
        ]
    seconds = sum(run.seconds for run in runs)
    steps = len(args.steps) * len(runs)
    print(
        f"{steps} persisted Spiff steps in {seconds:.2f} s: {steps / seconds:.0f} steps/s; "
        f"every run completed: {all(run.completed for run in runs)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
