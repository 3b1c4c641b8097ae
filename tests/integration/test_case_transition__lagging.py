"""A case-transition run lagging behind its case works from the actions as they stood at its transition."""

from __future__ import annotations

import json
from datetime import date

import pytest
from prefect import tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from sqlalchemy import Engine, select

from tests.case_paths import BUSINESS_SUPPORT, CHAIR
from tests.integration.transition_fixtures import case_service, installed_runtime, outbox_ids
from tests.integration.worker_fixtures import fire_round_robin
from workflows.bootstrap import Runtime
from workflows.flows import case_transition, run_case_transition, run_tags
from workflows.persistence import NotificationRow
from workflows.services import CaseService

pytestmark = pytest.mark.both_databases  # the outbox payload's JSON and dates differ by dialect
__all__ = ["installed_runtime"]

_notifications = NotificationRow.__table__


def _to_review_then_letter_sent(service: CaseService, reference: str) -> None:
    """A plan started at the conference, a review convened while the decision letter is still open, then it is sent."""
    fire_round_robin(service, [reference])  # referral to a plan: hold_icpc on 2026-11-24 opens the decision letter
    service.fire(reference, "convene_review", {"conference_date": "2027-02-10"}, CHAIR, date(2027, 1, 11))
    service.fire(
        reference,
        "complete_action",
        {"kind": "send_decision_letter", "done_on": "2027-01-12"},
        BUSINESS_SUPPORT,
        date(2027, 1, 12),
    )


def _told_about(engine: Engine, reference: str) -> set[tuple[str, str | None]]:
    query = select(_notifications.c.kind, _notifications.c.action_kind).where(
        _notifications.c.case_reference == reference
    )
    with engine.connect() as connection:
        return {(row.kind, row.action_kind) for row in connection.execute(query)}


def _deliver(engine: Engine, reference: str, *, until: str | None = None) -> None:
    for outbox_id, case_reference, trigger in outbox_ids(engine):
        if case_reference == reference:
            run_case_transition(outbox_id, case_reference, trigger)
            if trigger == until:
                return


def test_a_run_lagging_behind_its_case_sends_no_still_open_notice_for_an_action_closed_since(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    service = case_service(engine)
    # In time: the review's run is delivered before the letter is sent, and tells its owner it is still open.
    fire_round_robin(service, ["IN-TIME"])
    service.fire("IN-TIME", "convene_review", {"conference_date": "2027-02-10"}, CHAIR, date(2027, 1, 11))
    _deliver(engine, "IN-TIME")
    assert ("outstanding", "send_decision_letter") in _told_about(engine, "IN-TIME")
    assert ("escalation", "send_decision_letter") in _told_about(engine, "IN-TIME")

    # Lagging: the letter was sent before the review's run was delivered.
    _to_review_then_letter_sent(service, "LAGGING")
    _deliver(engine, "LAGGING", until="hold_icpc")
    [review] = [row for row in outbox_ids(engine) if row[1] == "LAGGING" and row[2] == "convene_review"]
    with tags(*run_tags("LAGGING", "convene_review")):
        state = case_transition(
            outbox_id=review[0], case_reference="LAGGING", trigger="convene_review", return_state=True
        )

    told = _told_about(engine, "LAGGING")
    assert ("outstanding", "send_decision_letter") not in told
    assert ("escalation", "send_decision_letter") not in told
    assert ("outstanding", "circulate_minutes") in told  # still open as it stood: its owner is still told
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
    assert artifact.description is not None and "has moved on since" in artifact.description
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    rows = {(row["action"], row["now"]) for row in table}
    assert ("send_decision_letter", "closed since") in rows and ("circulate_minutes", "open") in rows
