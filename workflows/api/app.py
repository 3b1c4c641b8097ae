"""The HTTP API's application: routes under /api/v1 (and /metrics), problem+json for every refusal, and an
OpenAPI document that declares them, so that a generated client knows every answer it can get."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from states.errors import CaseflowError
from workflows.api.middleware import BodyLimit, LastResort
from workflows.api.operations import health_router, metrics_router
from workflows.api.problems import PROBLEM_MEDIA_TYPE, Problem, error_response, problem_response, validation_problem
from workflows.api.reads import router as read_router
from workflows.api.writes import router as write_router
from workflows.bootstrap import App

__all__ = ["API_PREFIX", "OPENAPI_URL", "create_app"]

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"
# What each kind of route can be refused with, beyond FastAPI's own 422.
_AUTHENTICATED = (401, 403, 413, 422, 500)
_PROBLEMS_BY_PATH: dict[str, tuple[int, ...]] = {
    f"{API_PREFIX}/cases": _AUTHENTICATED,
    f"{API_PREFIX}/cases/{{reference}}": (*_AUTHENTICATED, 404),
    f"{API_PREFIX}/overdue": _AUTHENTICATED,
    f"{API_PREFIX}/cases/{{reference}}/triggers/{{trigger}}": (*_AUTHENTICATED, 404, 409),
    f"{API_PREFIX}/cases/{{reference}}/escalations": (*_AUTHENTICATED, 404, 409),
    f"{API_PREFIX}/healthz": (413, 500),
    "/metrics": (401, 413, 422, 500),
}


async def _known_error(_request: Request, error: Exception) -> JSONResponse:
    response = error_response(error)
    if response is None:
        raise error  # LastResort answers it
    return response


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return validation_problem(error)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    # Starlette's own: no such route (404), a method the route does not take (405).
    assert isinstance(error, HTTPException)
    status = HTTPStatus(error.status_code)
    detail = f"{_request.method} {_request.url.path}: {status.phrase.lower()}"
    response = problem_response(status, detail)
    response.headers.update(error.headers or {})
    return response


def create_app(application: App) -> FastAPI:
    """The API over `application`'s database and policies."""
    api = FastAPI(
        title="caseflow",
        version="1",
        summary="Child protection conference cases for case-management systems",
        openapi_url=OPENAPI_URL,
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    api.state.application = application
    api.include_router(read_router, prefix=API_PREFIX)
    api.include_router(write_router, prefix=API_PREFIX)
    api.include_router(health_router, prefix=API_PREFIX)
    api.include_router(metrics_router)
    api.add_exception_handler(CaseflowError, _known_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(HTTPException, _http_error)
    api.add_middleware(BodyLimit)
    api.add_middleware(LastResort)
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    return api


def _openapi(api: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every problem answer declared as problem+json instead of its HTTPValidationError."""
    if api.openapi_schema is not None:
        return api.openapi_schema
    document = get_openapi(title=api.title, version=api.version, summary=api.summary, routes=api.routes)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = {"content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _PROBLEMS_BY_PATH.get(path, ()):
                phrase = HTTPStatus(status).phrase
                responses[str(status)] = {"description": phrase, **problem}
    api.openapi_schema = document
    return document
