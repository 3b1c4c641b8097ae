"""Late work (`/overdue`): late open actions of the caller's teams counted by ladder level, team and action kind,
each count drawn as a bar in a table (the numbers stay readable text), and the most late actions listed."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name this closure's `context`.
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from workflows.console.context import ConsoleContext, SignedIn
from workflows.services import within_remit
from workflows.views import overdue_actions, overdue_counts

__all__ = ["MOST_LATE_SHOWN", "late_work_routes"]

MOST_LATE_SHOWN = 50
GROUPINGS = (("level", "By escalation level"), ("team", "By team"), ("kind", "By action kind"))


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it counts, how many, and its length as a percentage of the longest."""

    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class Chart:
    """A captioned table of bars."""

    key: str
    caption: str
    bars: list[Bar]


def _chart(key: str, caption: str, counts: dict[str, int]) -> Chart:
    longest = max(counts.values(), default=0)
    bars = [Bar(label, count, round(100 * count / longest) if longest else 0) for label, count in counts.items()]
    return Chart(key, caption, bars)


def late_work_routes(context: ConsoleContext) -> APIRouter:
    """GET /overdue."""
    router = APIRouter(include_in_schema=False)
    application = context.application

    @router.get("/overdue", response_class=HTMLResponse)
    def overdue(request: Request, signed: Annotated[SignedIn, Depends(context.signed_in)]) -> Response:
        with context.engine.connect() as connection:
            late = overdue_actions(connection, application.policies, application.settings.today())
        mine = within_remit(signed.caller, application.policies, late)
        charts = [_chart(key, caption, overdue_counts(mine, key, application.policies)) for key, caption in GROUPINGS]
        return context.render(
            request, "overdue.html", signed, charts=charts, total=len(mine), most_late=mine[:MOST_LATE_SHOWN]
        )

    return router
