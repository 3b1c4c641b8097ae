"""Your work (`/cases`), one case (`/cases/{reference}`) and escalating it by hand, on the one access rule."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name this closure's `context`.
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from states.lifecycle import CaseStatus
from workflows.console.context import ConsoleContext, SignedIn
from workflows.console.errors import FormRefused, NotPermitted, PageNotFound
from workflows.console.forms import FormFields, form_fields
from workflows.console.listing_order import SORTS, sorted_cases
from workflows.console.prefect_links import runs_link
from workflows.logs import get_logger
from workflows.persistence import CaseNotFound
from workflows.services import (
    RAISED_VIA_CONSOLE,
    EscalationReason,
    EscalationRefused,
    EscalationRequest,
    ManagerEscalations,
    NotVisible,
    escalation_levels,
    manager_role_over,
    record_access,
    require_visible,
    visible_teams,
    within_remit,
)
from workflows.settings import utc_now
from workflows.views import CaseDetail, CaseFilter, CaseSummary, case_detail, list_cases

__all__ = ["NOTE_LENGTH", "case_routes"]

# The escalations table's note: free text about the child, kept in the database only, never shown in a listing.
NOTE_LENGTH = 2000
STATUSES = tuple(status.value for status in CaseStatus if status is not CaseStatus.NEW)


@dataclass(frozen=True)
class EscalationForm:
    """What the escalate form shows: the levels and reasons to choose from, and what was wrong with a post."""

    levels: list[str]
    reasons: list[str]
    errors: dict[str, str]
    values: dict[str, str]


def record_case_view(engine: Engine, signed: SignedIn, reference: str) -> None:
    """A console view of a case, in the access log (who, which case, when, through the console)."""
    caller = signed.caller
    with engine.begin() as connection:
        record_access(connection, caller.member.id, reference, caller.channel, utc_now())
    get_logger("caseflow.console").info(
        "case_viewed", case_ref=reference, staff_id=caller.member.id, role=caller.role, channel=caller.channel
    )


def case_routes(context: ConsoleContext) -> APIRouter:
    """GET /cases, GET /cases/{reference}, POST /cases/{reference}/escalations."""
    router = APIRouter(include_in_schema=False)
    application = context.application
    settings, policies = application.settings, application.policies

    @router.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/cases", status_code=303)

    @router.get("/cases", response_class=HTMLResponse)
    def cases(request: Request, signed: Annotated[SignedIn, Depends(context.signed_in)]) -> Response:
        query = request.query_params
        status, team = query.get("status") or None, query.get("team") or None
        late_only = query.get("late") == "1"
        if status is not None and status not in STATUSES:
            raise FormRefused(f"status: one of {', '.join(STATUSES)} expected", status=400)
        teams = visible_teams(signed.caller, application.policy)
        with context.engine.connect() as connection:
            listed = list_cases(
                connection, policies, settings.today(), CaseFilter(status, team, overdue_only=late_only)
            )
        mine = within_remit(signed.caller, policies, listed)
        sort, descending = query.get("sort", "reference"), query.get("order") == "desc"
        if sort not in SORTS:
            sort = "reference"
        team_choices = sorted(teams) if teams is not None else sorted({case.team for case in mine if case.team})
        return context.render(
            request,
            "cases.html",
            signed,
            cases=sorted_cases(mine, sort, descending),
            statuses=STATUSES,
            teams=team_choices,
            chosen={"status": status or "", "team": team or "", "late": late_only},
            sort=sort,
            descending=descending,
            allocated=_allocated,
        )

    def visible_case(signed: SignedIn, reference: str) -> CaseDetail:
        try:
            with context.engine.connect() as connection:
                detail = case_detail(connection, policies, reference, settings.today())
            require_visible(signed.caller, policies[detail.authority], reference, detail.team)
        except (CaseNotFound, NotVisible):
            raise PageNotFound(f"case {reference}: not found") from None
        return detail

    def case_page(
        request: Request, signed: SignedIn, detail: CaseDetail, form: EscalationForm, status: int = 200
    ) -> Response:
        record_case_view(context.engine, signed, detail.reference)
        may_escalate = manager_role_over(signed.caller.member, detail.team) is not None
        return context.render(
            request,
            "case.html",
            signed,
            status,
            case=detail,
            closed_actions=[action for action in detail.actions if action.status != "open"],
            may_escalate=may_escalate,
            form=form,
            escalated=request.query_params.get("escalated"),
            prefect_runs=runs_link(settings, detail.reference),
            allocated_worker=_allocated(detail),
        )

    def blank_form(
        detail: CaseDetail, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
    ) -> EscalationForm:
        policy = policies.get(detail.authority)
        levels = escalation_levels(policy) if policy is not None else []
        return EscalationForm(levels, [reason.value for reason in EscalationReason], errors or {}, values or {})

    @router.get("/cases/{reference}", response_class=HTMLResponse)
    def case(request: Request, reference: str, signed: Annotated[SignedIn, Depends(context.signed_in)]) -> Response:
        detail = visible_case(signed, reference)
        return case_page(request, signed, detail, blank_form(detail))

    @router.post("/cases/{reference}/escalations", response_class=HTMLResponse)
    def escalate(request: Request, reference: str, form: Annotated[FormFields, Depends(form_fields)]) -> Response:
        signed = context.signed_form(request, form)
        detail = visible_case(signed, reference)
        values = {name: form.get(name, "") for name in ("level", "reason", "note")}
        shown = blank_form(detail, values=values)
        errors = _problems(values, shown)
        # Someone who may not escalate is refused (and audited) by the service whatever the form holds.
        if errors and manager_role_over(signed.caller.member, detail.team) is not None:
            return case_page(request, signed, detail, blank_form(detail, errors, values), status=422)
        reason = EscalationReason.OTHER if "reason" in errors else EscalationReason(values["reason"])
        escalations = ManagerEscalations(application.engine, dict(policies))
        request_ = EscalationRequest(
            detail.reference,
            values["level"],
            reason,
            signed.caller.member.id,
            settings.today(),
            raised_via=RAISED_VIA_CONSOLE,
        )
        try:
            escalation_id = escalations.raise_escalation(request_, note=values["note"].strip() or None)
        except EscalationRefused:
            # Audited on the case by the service, with the staff id and the role they hold.
            raise NotPermitted(
                f"You cannot escalate case {detail.reference}: only a manager over its team can"
            ) from None
        return RedirectResponse(f"/cases/{detail.reference}?escalated={escalation_id}#escalations", status_code=303)

    return router


def _problems(values: dict[str, str], form: EscalationForm) -> dict[str, str]:
    problems = {}
    if values["level"] not in form.levels:
        problems["level"] = "Select the level to escalate to"
    if values["reason"] not in form.reasons:
        problems["reason"] = "Select the reason for escalating"
    if len(values["note"]) > NOTE_LENGTH:
        problems["note"] = f"The note must be {NOTE_LENGTH} characters or fewer"
    elif any(ord(char) < 32 and char not in "\r\n\t" for char in values["note"]):
        problems["note"] = "The note must not contain control characters"
    return problems


def _allocated(case: CaseSummary | CaseDetail) -> Any:
    # Allocation (the allocated worker's staff id) lands separately: shown when the read model has it.
    return getattr(case, "allocated_worker", None)
