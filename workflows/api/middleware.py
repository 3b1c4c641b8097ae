"""Two guards around every request: a body over the limit is refused before any of it is parsed, and an error
nobody foresaw becomes a bare 500 problem (logged by type and place, never by message: a database error's message
can carry the values of the statement, personal data among them)."""

from __future__ import annotations

import traceback
from http import HTTPStatus
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workflows.api.errors import BodyTooLarge
from workflows.api.problems import error_response, problem_response
from workflows.logs import get_logger

__all__ = ["MAX_BODY_BYTES", "BodyLimit", "LastResort"]

MAX_BODY_BYTES = 64 * 1024  # a trigger's data is a few hundred bytes; a larger body is a mistake or an attack
LOGGER = "caseflow.api"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


class BodyLimit:
    """Read the whole body (at most `limit` bytes) before the app sees it; 413 for more, by header or by count."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(BodyTooLarge(self.limit))
        assert response is not None
        # Connection: close, since the rest of the body is never read.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # a disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


class LastResort:
    """A 500 problem for an exception no handler took, unless the response had already begun."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception as exc:  # the boundary of the request: nothing else would answer it
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f"{frame.filename}:{frame.lineno}" if frame else "unknown"
            _log().error("api_request_failed", error=type(exc).__name__, where=where, path=scope.get("path"))
            if started or scope["type"] != "http":
                return
            detail = "internal error: the request was not completed; the server log has the details"
            await problem_response(HTTPStatus.INTERNAL_SERVER_ERROR, detail)(scope, receive, send)
