"""The operations routes: `/api/v1/healthz` for load balancers (no credentials) and `/metrics` for Prometheus."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from workflows.api.auth import application_of, authenticated_member
from workflows.api.metrics import PROMETHEUS_MEDIA_TYPE, read_metrics, render
from workflows.api.schemas import Health
from workflows.bootstrap import App
from workflows.delivery import is_healthy
from workflows.services import StaffMember
from workflows.settings import utc_now

__all__ = ["health_router", "metrics_router"]

health_router = APIRouter(tags=["operations"])
metrics_router = APIRouter(tags=["operations"])
PREFECT_TIMEOUT = 2.0


def _database_answers(application: App) -> bool:
    try:
        with application.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def _prefect_state(application: App) -> str:
    url = application.settings.prefect_api_url
    if not url:
        return "not_configured"
    return "ok" if is_healthy(url.rstrip("/"), timeout=PREFECT_TIMEOUT) else "down"


@health_router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database does not answer."}},
    summary="Whether the API can serve",
)
async def healthz(request: Request) -> Any:
    """200 while the database answers, 503 when it does not; Prefect's state is reported, not required (triggers
    are recorded without it and delivered once it is back)."""
    application = application_of(request)
    database = await run_in_threadpool(_database_answers, application)
    prefect = await run_in_threadpool(_prefect_state, application)
    health = Health(status="ok" if database else "down", database="ok" if database else "down", prefect=prefect)
    return JSONResponse(health.model_dump(), status_code=200 if database else 503)


@metrics_router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    summary="Prometheus metrics",
)
def metrics(request: Request, member: Annotated[StaffMember, Depends(authenticated_member)]) -> Response:
    """Triggers fired and refused, the outbox backlog and its oldest row's age, open incidents, the last sweep."""
    with application_of(request).engine.connect() as connection:
        body = render(read_metrics(connection, utc_now()))
    return Response(body, media_type=PROMETHEUS_MEDIA_TYPE)
