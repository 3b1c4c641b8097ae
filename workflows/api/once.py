"""Answering a POST at most once per `Idempotency-Key`: the work runs in a worker thread (the services are
synchronous), and its answer, a refusal included, is kept for the key's retries."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from states.errors import CaseflowError
from workflows.api.auth import application_of
from workflows.api.idempotency import IdempotencyStore, StoredResponse, check_key, request_hash
from workflows.api.problems import error_response
from workflows.services import Caller

__all__ = ["REPLAYED_HEADER", "answer_once"]

REPLAYED_HEADER = "Idempotent-Replayed"


def _answered(work: Callable[[], Response]) -> Response:
    """The work's response, or the problem response for a refusal it raised."""
    try:
        return work()
    except CaseflowError as error:
        response = error_response(error)
        if response is None:
            raise
        return response


async def answer_once(request: Request, caller: Caller, key: str | None, work: Callable[[], Response]) -> Response:
    """Run `work` and answer with its response; with a key, the first answer to the same request is sent again."""
    if key is None:
        return await run_in_threadpool(_answered, work)
    check_key(key)
    store = IdempotencyStore(application_of(request).engine)
    digest = request_hash(request.method, request.url.path, await request.body())
    staff_id = caller.member.id
    stored = await run_in_threadpool(store.claim, staff_id, key, digest)
    if stored is not None:
        replayed = {REPLAYED_HEADER: "true"}
        return Response(stored.body, stored.status_code, headers=replayed, media_type=stored.content_type)
    try:
        response = await run_in_threadpool(_answered, work)
    except BaseException:
        await run_in_threadpool(store.release, staff_id, key)
        raise
    if response.status_code >= 500:
        await run_in_threadpool(store.release, staff_id, key)
        return response
    media_type = response.headers.get("content-type", "application/json")
    answer = StoredResponse(response.status_code, bytes(response.body).decode(), media_type)
    await run_in_threadpool(store.keep, staff_id, key, answer)
    return response
