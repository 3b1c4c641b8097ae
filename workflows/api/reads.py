"""The read routes: the cases within the caller's teams, one case in full, the late work."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from states.input_rules import clock_date
from workflows.api.auth import application_of, current_caller
from workflows.api.cases import REFERENCE_PATTERN, require_case_visible
from workflows.api.schemas import CaseList, OverdueReport
from workflows.services import Caller, record_access, within_remit
from workflows.settings import utc_now
from workflows.views import CaseDetail, CaseFilter, as_json, case_detail, list_cases, overdue_actions, overdue_counts

__all__ = ["router"]

router = APIRouter(tags=["cases"])
AS_OF = Query(
    description="The date to count lateness as of, YYYY-MM-DD, at most a year ahead (default: today where the "
    "authority is).",
    json_schema_extra={"format": "date"},
)


def _day(request: Request, as_of: str | None) -> date:
    """The day to count as of: the clock's today, or `as_of` read by the same strict rule as the CLI's --as-of."""
    return clock_date(as_of, "query parameter as_of", application_of(request).settings.today())


@router.get("/cases", response_model=CaseList, summary="List the cases within your teams")
def cases(
    request: Request,
    caller: Annotated[Caller, Depends(current_caller)],
    status: Annotated[str | None, Query(max_length=32, description="Only cases in this status.")] = None,
    team: Annotated[str | None, Query(max_length=64, description="Only cases of this team.")] = None,
    overdue: Annotated[bool, Query(description="true: only cases with an action at least a working day late.")] = False,
    as_of: Annotated[str | None, AS_OF] = None,
) -> Any:
    """Cases by reference, with their open and late action counts and next due date."""
    application, day = application_of(request), _day(request, as_of)
    with application.engine.connect() as connection:
        found = list_cases(connection, application.policies, day, CaseFilter(status, team, None, overdue))
    return as_json({"as_of": day, "cases": within_remit(caller, application.policies, found)})


@router.get("/cases/{reference}", response_model=CaseDetail, summary="One case in full")
def case(
    request: Request,
    caller: Annotated[Caller, Depends(current_caller)],
    reference: Annotated[str, Path(pattern=REFERENCE_PATTERN)],
    as_of: Annotated[str | None, AS_OF] = None,
) -> Any:
    """Status, version, recorded dates and codes, actions with due dates and working days late, history,
    escalations and notices: what `caseflow case show --json` prints. Never a date of birth or free text."""
    application = application_of(request)
    require_case_visible(application, caller, reference)
    with application.engine.begin() as connection:
        detail = case_detail(connection, application.policies, reference, _day(request, as_of))
        # The access log: who read which case, when, and through what; in the read's own transaction.
        record_access(connection, caller.member.id, reference, caller.channel, utc_now())
        return as_json(detail)


@router.get("/overdue", response_model=OverdueReport, summary="Late work within your teams")
def overdue(
    request: Request, caller: Annotated[Caller, Depends(current_caller)], as_of: Annotated[str | None, AS_OF] = None
) -> Any:
    """Open actions at least one working day late, most late first, counted by level, team and action kind."""
    application, day = application_of(request), _day(request, as_of)
    with application.engine.connect() as connection:
        items = within_remit(caller, application.policies, overdue_actions(connection, application.policies, day))
    counts = {f"by_{by}": overdue_counts(items, by, application.policies) for by in ("level", "team", "kind")}
    return as_json({"as_of": day, "total": len(items), **counts, "actions": items})
