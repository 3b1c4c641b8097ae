"""The write routes: fire a trigger on a case, raise an escalation. Both go through the services exactly as the
CLI does, as the authenticated member of staff, within their teams, and at most once per idempotency key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from states import TRIGGERS, TransitionNotAllowed
from states.field_text import DatedFields
from states.lifecycle import CREATING_TRIGGERS, triggers_from
from workflows.api.auth import application_of, current_caller
from workflows.api.cases import REFERENCE_PATTERN, load_head, require_case_visible
from workflows.api.errors import TeamNotYours, TriggerNotAllowedNow
from workflows.api.idempotency import IDEMPOTENCY_HEADER
from workflows.api.once import answer_once
from workflows.api.schemas import EscalationBody, EscalationRaised, TriggerBody, TriggerOutcome
from workflows.bootstrap import App
from workflows.persistence import CaseNotFound
from workflows.services import (
    RAISED_VIA_API,
    Caller,
    CaseService,
    EscalationRequest,
    ManagerEscalations,
    require_visible,
    visible_teams,
)

__all__ = ["router"]

router = APIRouter(tags=["actions"])
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, description="The case's reference.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        max_length=128,
        description="A key of your choosing (a UUID): a retry with the same key and body gets the first answer.",
    ),
]


@router.post(
    "/cases/{reference}/triggers/{trigger}",
    response_model=TriggerOutcome,
    summary="Fire a lifecycle trigger on a case",
)
async def fire_trigger(
    request: Request,
    caller: Annotated[Caller, Depends(current_caller)],
    reference: Reference,
    trigger: Annotated[
        str,
        Path(
            pattern=r"^[a-z][a-z0-9_]{0,63}$",
            description="The trigger's name.",
            json_schema_extra={"enum": [*TRIGGERS]},
        ),
    ],
    body: TriggerBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Fire `trigger` with the body's fields as its data (`on` fills the trigger's own date); a creating trigger
    (receive_referral, receive_transfer_in) opens the case, for one of your teams."""
    application = application_of(request)

    def work() -> Response:
        outcome = _fire(application, caller, reference, trigger, body)
        return JSONResponse(outcome.model_dump(mode="json"))

    return await answer_once(request, caller, idempotency_key, work)


def _fire(application: App, caller: Caller, reference: str, trigger: str, body: TriggerBody) -> TriggerOutcome:
    head = load_head(application, reference)
    data = dict(body.model_extra or {})
    if head is None and trigger in TRIGGERS and trigger not in CREATING_TRIGGERS:
        raise CaseNotFound(reference)
    if head is None:
        _require_own_team(application, caller, data.get("team"))
    else:
        require_visible(caller, application.policies[head.authority], reference, head.team)
    service = CaseService(
        application.session_factory, application.policies, default_authority=application.settings.authority
    )
    try:
        today = application.settings.today()
        given = DatedFields(data, body.on)
        result = service.fire(reference, trigger, given, caller.actor, today, expected_version=body.expected_version)
    except TransitionNotAllowed as refusal:
        raise _not_allowed_now(application, reference, trigger, refusal) from None
    finally:
        service.close()
    return TriggerOutcome.of(result)


def _require_own_team(application: App, caller: Caller, team: Any) -> None:
    """A team-scoped caller opens cases for their own teams only."""
    teams = visible_teams(caller, application.policy)
    if teams is not None and team not in teams:
        yours = ", ".join(sorted(teams)) or "none"
        raise TeamNotYours(f"body field team: a new case must be for one of your teams ({yours})")


def _not_allowed_now(
    application: App, reference: str, trigger: str, refusal: TransitionNotAllowed
) -> TriggerNotAllowedNow:
    """The refusal, listing the triggers the case's status allows now."""
    head = load_head(application, reference)
    if head is None:
        return TriggerNotAllowedNow(str(refusal), ())
    allowed = triggers_from(head.status)
    message = (
        str(refusal)
        if trigger in allowed  # allowed from this status, but the case is not ready for it
        else f"case {reference}: trigger {trigger} is not allowed in status {head.status.value}"
    )
    return TriggerNotAllowedNow(f"{message}: allowed now: {', '.join(allowed) or 'none'}", allowed)


@router.post(
    "/cases/{reference}/escalations",
    status_code=201,
    response_model=EscalationRaised,
    summary="Raise an escalation on a case",
)
async def escalate(
    request: Request,
    caller: Annotated[Caller, Depends(current_caller)],
    reference: Reference,
    body: EscalationBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Escalate the case up its ladder as yourself: only a manager over the case's team may; every attempt is
    audited. The note is kept in the database only."""
    application = application_of(request)

    def work() -> Response:
        require_case_visible(application, caller, reference)
        service = ManagerEscalations(application.engine, dict(application.policies))
        today = application.settings.today()
        escalation = EscalationRequest(
            reference, body.level, body.reason, caller.member.id, today, raised_via=RAISED_VIA_API
        )
        escalation_id = service.raise_escalation(escalation, note=body.note)
        raised = EscalationRaised(id=escalation_id, reference=reference, level=body.level, reason=body.reason)
        return JSONResponse(raised.model_dump(mode="json"), status_code=201)

    return await answer_once(request, caller, idempotency_key, work)
