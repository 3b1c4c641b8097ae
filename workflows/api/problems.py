"""Every refusal as RFC 9457 `application/problem+json`: one table from our errors to HTTP statuses, one shape.

`detail` is the error's own one line (which never repeats personal data: the domain's messages are written so),
with control characters removed; an error nobody foresaw is a bare 500 that says nothing of its cause.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from states import (
    InputInvalid,
    InvalidEventData,
    OpenActionsBlockTransition,
    PermissionDenied,
    PolicyNotFound,
    TransitionNotAllowed,
    UnknownTrigger,
)
from workflows.api.errors import (
    BodyInvalid,
    BodyTooLarge,
    CredentialsMissing,
    IdempotencyKeyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    RoleNotChosen,
    TeamNotYours,
    TriggerNotAllowedNow,
)
from workflows.persistence import CaseNotFound, ConcurrentUpdate
from workflows.services import (
    ActorRefused,
    EscalationRefused,
    InputTooLong,
    NotVisible,
    TokenRefused,
    UnknownCase,
)
from workflows.views import UnknownStatus

__all__ = ["PROBLEM_MEDIA_TYPE", "PROBLEM_STATUS", "Problem", "problem_response", "status_of", "validation_problem"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
LONGEST_DETAIL = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

# The one table from what went wrong to the status that says so; the first matching class wins.
PROBLEM_STATUS: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (CredentialsMissing, HTTPStatus.UNAUTHORIZED),
    (TokenRefused, HTTPStatus.UNAUTHORIZED),
    (ActorRefused, HTTPStatus.FORBIDDEN),  # the role named is not one the caller holds
    (PermissionDenied, HTTPStatus.FORBIDDEN),  # the policy does not let the role fire the trigger
    (EscalationRefused, HTTPStatus.FORBIDDEN),
    (TeamNotYours, HTTPStatus.FORBIDDEN),
    (NotVisible, HTTPStatus.NOT_FOUND),  # outside the caller's teams: told exactly as a missing case
    (CaseNotFound, HTTPStatus.NOT_FOUND),
    (UnknownCase, HTTPStatus.NOT_FOUND),
    (ConcurrentUpdate, HTTPStatus.CONFLICT),
    (TriggerNotAllowedNow, HTTPStatus.CONFLICT),
    (TransitionNotAllowed, HTTPStatus.CONFLICT),
    (OpenActionsBlockTransition, HTTPStatus.CONFLICT),
    (IdempotencyKeyInProgress, HTTPStatus.CONFLICT),
    (BodyTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (RoleNotChosen, HTTPStatus.UNPROCESSABLE_ENTITY),
    (UnknownTrigger, HTTPStatus.UNPROCESSABLE_ENTITY),
    (InvalidEventData, HTTPStatus.UNPROCESSABLE_ENTITY),
    (InputInvalid, HTTPStatus.UNPROCESSABLE_ENTITY),
    (InputTooLong, HTTPStatus.UNPROCESSABLE_ENTITY),
    (UnknownStatus, HTTPStatus.UNPROCESSABLE_ENTITY),
    (BodyInvalid, HTTPStatus.UNPROCESSABLE_ENTITY),
    (IdempotencyKeyInvalid, HTTPStatus.UNPROCESSABLE_ENTITY),
    (IdempotencyKeyReused, HTTPStatus.UNPROCESSABLE_ENTITY),
    (PolicyNotFound, HTTPStatus.UNPROCESSABLE_ENTITY),
)


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, in one line naming the field or header at fault."""

    type: str = Field(default="about:blank", description="Always about:blank: the status says what kind.")
    title: str = Field(description="The HTTP status's phrase, e.g. Not Found.")
    status: int = Field(description="The HTTP status code, repeated.")
    detail: str = Field(description="One line: what is wrong, where, and what was expected.")
    allowed: list[str] | None = Field(
        default=None, description="For a trigger not allowed now (409): the triggers the case's status allows."
    )


def status_of(error: Exception) -> HTTPStatus | None:
    """The status the table gives `error`, or None for an error nobody foresaw."""
    return next((status for kind, status in PROBLEM_STATUS if isinstance(error, kind)), None)


def _one_line(text: str) -> str:
    cleaned = _CONTROL.sub(" ", text.splitlines()[0] if text else "").strip()
    return cleaned if len(cleaned) <= LONGEST_DETAIL else cleaned[: LONGEST_DETAIL - 3] + "..."


def _detail(error: Exception) -> str:
    # A case out of sight and a missing case must read alike, or the difference would tell that it exists.
    if isinstance(error, NotVisible):
        return f"case {error.reference}: not found"
    if isinstance(error, CaseNotFound):
        return f"case {error.case_ref}: not found"
    return _one_line(str(error))


def problem_response(status: HTTPStatus, detail: str, **extra: Any) -> JSONResponse:
    """A problem+json response; a 401 also says how to authenticate (RFC 6750)."""
    problem = Problem(title=status.phrase, status=status.value, detail=_one_line(detail), **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    return JSONResponse(
        problem.model_dump(exclude_none=True), status_code=status.value, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def error_response(error: Exception) -> JSONResponse | None:
    """The problem response for one of our errors, or None when the table does not know it."""
    status = status_of(error)
    if status is None:
        return None
    allowed = list(error.allowed) if isinstance(error, TriggerNotAllowedNow) else None
    response = problem_response(status, _detail(error), allowed=allowed)
    if isinstance(error, TokenRefused):
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def validation_problem(error: RequestValidationError) -> JSONResponse:
    """FastAPI's own validation errors as one problem: the first one, by where it is, never with the value sent."""
    first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
    where = " ".join(str(part) for part in first.get("loc", ()))
    where = where.replace("body ", "body field ", 1) if where.startswith("body ") else where
    message = str(first.get("msg", "invalid"))
    if first.get("type") == "json_invalid":
        where, message = "body", "not valid JSON: expected a JSON object"
    elif where == "body" and first.get("type") in ("model_attributes_type", "dict_type"):
        # Most often a form body (curl -d without a Content-Type): say what is expected, not pydantic's words.
        message = "not a JSON object: expected a JSON object sent with Content-Type: application/json"
    return problem_response(HTTPStatus.UNPROCESSABLE_ENTITY, f"{where or 'request'}: {message}")
