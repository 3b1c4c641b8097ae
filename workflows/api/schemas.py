"""What the API's requests carry and its answers hold, as the OpenAPI document describes them.

A case and the listings are the read models of `workflows.views` (the dataclasses `caseflow case show --json`
prints); only the trigger's and the escalation's shapes are the API's own.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from states import TransitionResult
from workflows.services import EscalationReason
from workflows.views import CaseSummary, OverdueItem

__all__ = [
    "CaseList",
    "ClosedAction",
    "EscalationBody",
    "EscalationRaised",
    "Health",
    "MovedAction",
    "OpenedAction",
    "OverdueReport",
    "TriggerBody",
    "TriggerOutcome",
]


class CaseList(BaseModel):
    """The cases within the caller's teams that match the filters, by reference."""

    as_of: date
    cases: list[CaseSummary]


class OverdueReport(BaseModel):
    """Late open actions within the caller's teams, counted by ladder level, team and action kind."""

    as_of: date
    total: int
    by_level: dict[str, int]
    by_team: dict[str, int]
    by_kind: dict[str, int]
    actions: list[OverdueItem]


class TriggerBody(BaseModel):
    """The trigger's data (its fields as `caseflow bpmn`/docs/api.md list them), plus two of the API's own."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    # Text, read by the same strict date rule as every other date (states/input_rules.py), not by pydantic's laxer one.
    on: str | None = Field(
        default=None,
        json_schema_extra={"format": "date"},
        description="When it happened (YYYY-MM-DD), if the trigger records a date of its own.",
    )
    expected_version: int | None = Field(
        default=None, ge=0, description="Refuse (409) unless the case is at this version: a lost-update check."
    )


class OpenedAction(BaseModel):
    """An action the trigger opened."""

    kind: str
    owner_role: str
    due_on: date


class ClosedAction(BaseModel):
    """An action the trigger closed, and why."""

    kind: str
    status: str
    reason: str | None


class MovedAction(BaseModel):
    """An open action whose due date the trigger moved."""

    kind: str
    from_due_on: date
    to_due_on: date


class TriggerOutcome(BaseModel):
    """What a trigger did: the case's new status and version, and the actions opened, closed and moved."""

    reference: str
    trigger: str
    from_status: str
    status: str
    occurred_on: date
    version: int
    opened: list[OpenedAction]
    closed: list[ClosedAction]
    moved: list[MovedAction]

    @classmethod
    def of(cls, result: TransitionResult) -> TriggerOutcome:
        """The outcome of a fired trigger."""
        return cls(
            reference=result.case.reference,
            trigger=result.trigger,
            from_status=result.from_status.value,
            status=result.to_status.value,
            occurred_on=result.occurred_on,
            version=result.case.version,
            opened=[OpenedAction(kind=a.kind, owner_role=a.owner_role, due_on=a.due_on) for a in result.opened],
            closed=[ClosedAction(kind=a.kind, status=a.status, reason=a.close_reason) for a in result.closed],
            moved=[MovedAction(kind=a.kind, from_due_on=old, to_due_on=a.due_on) for a, old in result.moved],
        )


class EscalationBody(BaseModel):
    """A manager's escalation of a case; the manager is whoever the token belongs to."""

    model_config = ConfigDict(extra="forbid")

    # A role name, as the policy's ladder names its rungs: anything else is bad data (422), never echoed.
    level: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,31}$", description="A rung of the case's ladder, e.g. service_manager."
    )
    reason: EscalationReason
    note: str | None = Field(
        default=None, max_length=2000, description="Free text, kept in the escalations table only; never returned."
    )


class EscalationRaised(BaseModel):
    """The escalation recorded."""

    id: int
    reference: str
    level: str
    reason: EscalationReason


class Health(BaseModel):
    """Whether the API's database and the Prefect server answer."""

    status: str = Field(description="ok when the database answers (Prefect may still be down), else down.")
    database: str = Field(description="ok or down.")
    prefect: str = Field(description="ok, down, or not_configured (no CASEFLOW_PREFECT_API_URL).")
