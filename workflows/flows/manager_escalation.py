"""The manager-escalation flow: operations staff raise a case up the ladder from the Prefect UI's form, on behalf
of the named manager.

The form cannot prove who fills it in, so the escalation row and its audit event record it as raised via the
Prefect UI on behalf of `manager_id`; the named manager must still be an active member of the staff directory over
the case's team (the service's check, audited either way). The reason is a code from a fixed list, because Prefect shows a flow's parameters to everyone who can see the
run; free text (a note) goes through the CLI only.
"""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.runtime import flow_run

from workflows.bootstrap import current_runtime, load_settings
from workflows.services import RAISED_VIA_PREFECT_UI, EscalationReason, EscalationRequest, ManagerEscalations

__all__ = ["FLOW_NAME", "manager_escalation"]

FLOW_NAME = "manager-escalation"


@flow(name=FLOW_NAME, flow_run_name="escalate {case_reference} to {level}", persist_result=False)
def manager_escalation(
    case_reference: str, level: str, reason: EscalationReason, manager_id: str, today: date | None = None
) -> int:
    """Raise an escalation on a case on behalf of manager `manager_id` (reason from a fixed list; notes go through
    the CLI only)."""
    current = current_runtime()
    service = ManagerEscalations(current.engine, dict(current.policies))
    request = EscalationRequest(
        case_reference,
        level,
        EscalationReason(reason),
        manager_id,
        today or load_settings().today(),
        raised_via=RAISED_VIA_PREFECT_UI,
    )
    # The run id as the request key: a retried run raises nothing twice.
    key = str(flow_run.id) if flow_run.id else None
    return service.raise_escalation(request, request_key=key)
