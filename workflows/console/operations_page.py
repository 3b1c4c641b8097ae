"""Operations (`/operations`, the operations role): the outbox backlog and its oldest row's age, the workers
delivering it, open incidents with a Retry button, and the last sweeps with links to their Prefect runs."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name this closure's `context`.
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, func, select

from states.errors import CaseflowError
from workflows.console.context import ConsoleContext, SignedIn
from workflows.console.errors import NotPermitted
from workflows.console.forms import FormFields, form_fields
from workflows.console.prefect_links import runs_link
from workflows.delivery import SmtpChannel, backlog, incidents, workers
from workflows.logs import get_logger
from workflows.persistence import SweepProgressRow
from workflows.services import incident_retry
from workflows.settings import utc_now

__all__ = ["OPERATIONS_ROLE", "SWEEPS_SHOWN", "operations_routes"]

OPERATIONS_ROLE = "operations"
SWEEPS_SHOWN = 10
_progress = SweepProgressRow.__table__


@dataclass(frozen=True)
class SweepSummary:
    """One sweep (by its as-of date): due dates it covered, when its last one finished, and its Prefect runs."""

    as_of: date
    due_dates: int
    finished_at: datetime | None
    runs_link: str


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "none waiting"
    seconds = max(0, int((now - since).total_seconds()))
    return (
        f"{seconds // 3600} h {seconds // 60 % 60} min" if seconds >= 3600 else f"{seconds // 60} min {seconds % 60} s"
    )


def _sweeps(connection: Connection, context: ConsoleContext) -> list[SweepSummary]:
    rows = connection.execute(
        select(_progress.c.as_of, func.count(), func.max(_progress.c.done_at))
        .group_by(_progress.c.as_of)
        .order_by(_progress.c.as_of.desc())
        .limit(SWEEPS_SHOWN)
    )
    settings = context.application.settings
    return [SweepSummary(row[0], row[1], row[2], runs_link(settings, f"deadline-sweep {row[0]}")) for row in rows]


def operations_routes(context: ConsoleContext) -> APIRouter:
    """GET /operations, POST /operations/incidents/{incident_id}/retry."""
    router = APIRouter(include_in_schema=False)
    settings = context.application.settings

    def operations_staff(signed: SignedIn) -> SignedIn:
        if signed.caller.role != OPERATIONS_ROLE:
            raise NotPermitted("This page is for operations staff")
        return signed

    @router.get("/operations", response_class=HTMLResponse)
    def operations(request: Request, signed: Annotated[SignedIn, Depends(context.signed_in)]) -> Response:
        operations_staff(signed)
        now = utc_now()
        with context.engine.connect() as connection:
            waiting = backlog(connection, now)
            running = workers(connection, now)
            open_incidents = incidents.open_incidents(connection)
            sweeps = _sweeps(connection, context)
        return context.render(
            request,
            "operations.html",
            signed,
            backlog=waiting,
            oldest_age=_age(waiting.oldest_created_at, now),
            workers=running,
            incidents=open_incidents,
            sweeps=sweeps,
            retried=request.query_params.get("retried"),
            failed=request.query_params.get("failed"),
        )

    @router.post("/operations/incidents/{incident_id}/retry")
    def retry(request: Request, incident_id: int, form: Annotated[FormFields, Depends(form_fields)]) -> Response:
        signed = operations_staff(context.signed_form(request, form))
        email = (
            SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender) if settings.smtp_host else None
        )
        log = get_logger("caseflow.console")
        try:
            incident_retry.retry(context.engine, incident_id, email, utc_now(), context.application.policies)
        except CaseflowError:
            # The incident's row now holds the new error, which the page shows; the banner says the retry failed.
            log.warning("incident_retry_failed", incident_id=incident_id, staff_id=signed.caller.member.id)
            return RedirectResponse(f"/operations?failed={incident_id}#incidents", status_code=303)
        log.info("incident_retried", incident_id=incident_id, staff_id=signed.caller.member.id)
        return RedirectResponse(f"/operations?retried={incident_id}#incidents", status_code=303)

    return router
