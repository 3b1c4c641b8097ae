"""The deadline-sweep flow under Prefect: bounded task runs, and an artifact with references and ids only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId
from sqlalchemy import Engine

from tests.integration.sweep_builders import make_action, make_case, policies, reference_of
from workflows import sweep
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.flows import LEVELS_ARTIFACT, OVERDUE_ARTIFACT, deadline_sweep, max_task_runs

# Wednesday 10 March 2027.
AS_OF = date(2027, 3, 10)
CHILD_NAME = "Amelia Testchild"


@pytest.fixture
def installed(engine: Engine, prefect_harness: str) -> Iterator[Engine]:
    install_runtime(Runtime(engine, policies()))
    yield engine
    uninstall_runtime()


def _flow_run(as_of: date, max_batches: int) -> UUID:
    state = deadline_sweep(as_of=as_of, max_batches=max_batches, return_state=True)
    assert state.is_completed(), state.message
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return flow_run_id


def _task_run_names(flow_run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(run.name for run in runs)


def _artifacts(flow_run_id: UUID) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found}


@pytest.mark.both_databases
def test_the_number_of_task_runs_is_bounded_by_max_batches_not_by_the_caseload(
    installed: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with installed.begin() as connection:
        cases = [make_case(connection) for _ in range(3)]
        for offset in range(-400, 3):  # an action due on every day of more than a year
            for case in cases:
                make_action(connection, case, AS_OF + timedelta(days=offset))
    # Batches hold at least 50,000 actions in production; here every due date would be worth a batch of its own,
    # so only max_batches keeps their number down.
    monkeypatch.setattr(sweep, "plan_batches", partial(sweep.plan_batches, min_batch_actions=1))

    flow_run_id = _flow_run(AS_OF, max_batches=3)

    names = _task_run_names(flow_run_id)
    assert sum(name.startswith("sweep-due-dates") for name in names) == 3
    # plan, 3 batches, leftovers, report, the digests recorded: 7, within the flow's bound of 9 (no e-mail is
    # configured here, so neither the e-mail task nor the incidents task runs)
    assert len(names) == 7 and len(names) <= max_task_runs(3)


def test_the_artifact_lists_the_overdue_actions_by_case_reference_and_nothing_personal(installed: Engine) -> None:
    with installed.begin() as connection:
        case = make_case(connection, date_of_birth=date(2015, 6, 1), facts={"child_name": CHILD_NAME})
        make_action(connection, case, date(2027, 3, 3))  # Thu 4 ... Wed 10 March: 5 working days late
        reference = reference_of(connection, case)

    flow_run_id = _flow_run(AS_OF, max_batches=2)

    artifacts = _artifacts(flow_run_id)
    overdue = json.loads(artifacts[OVERDUE_ARTIFACT].data)
    assert overdue == [
        {
            "case_reference": reference,
            "action": "hold_first_core_group",
            "owner_role": "social_worker",
            "due_on": "2027-03-03",
            "working_days_late": 5,
            "level": "service_manager",
        },
    ]
    levels = {row["level"]: row["open_actions"] for row in json.loads(artifacts[LEVELS_ARTIFACT].data)}
    assert levels == {"reminder": 0, "owner": 0, "team_manager": 0, "service_manager": 1, "head_of_service": 0}
    published = json.dumps([artifact.model_dump(mode="json") for artifact in artifacts.values()])
    assert CHILD_NAME not in published and "2015-06-01" not in published
