"""`Idempotency-Key` on POSTs: a retried request with the same key and body gets the first answer, and fires nothing.

Keys are per member of staff (two systems may pick the same key). A request claims its key by inserting a row
before it does anything; the primary key lets one of two concurrent requests win, and the other is told the first
is still running (409, retry later). The first answer is stored once known, unless the server failed (5xx): then
the claim is released so that a retry runs afresh. A claim left behind by a server that died mid-request is taken
over after CLAIM_SECONDS.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from workflows.api.errors import IdempotencyKeyInProgress, IdempotencyKeyInvalid, IdempotencyKeyReused
from workflows.persistence import IdempotentRequestRow
from workflows.settings import utc_now

__all__ = ["CLAIM_SECONDS", "IDEMPOTENCY_HEADER", "IdempotencyStore", "StoredResponse", "check_key", "request_hash"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
CLAIM_SECONDS = 60
_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII without spaces, as the column keeps it
_rows = IdempotentRequestRow.__table__


@dataclass(frozen=True)
class StoredResponse:
    """A first answer, as sent."""

    status_code: int
    body: str
    content_type: str


def check_key(key: str) -> str:
    """The key, if it is 1-128 printable ASCII characters without spaces; IdempotencyKeyInvalid otherwise."""
    if _KEY.fullmatch(key) is None:
        raise IdempotencyKeyInvalid(
            f"header {IDEMPOTENCY_HEADER}: expected 1-128 printable ASCII characters without spaces, like a UUID"
        )
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request: method, path and the body's bytes."""
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every timestamp here was written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class IdempotencyStore:
    """Claim a key, keep the answer, or say what the first request with that key got."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine, self._clock = engine, clock

    def claim(self, staff_id: str, key: str, digest: str) -> StoredResponse | None:
        """None when this request now holds the key and should run; the first answer when there is one.

        IdempotencyKeyReused for another request under the key; IdempotencyKeyInProgress while the first runs.
        """
        now = self._clock()
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(_rows),
                    {"staff_id": staff_id, "key": key, "request_sha256": digest, "created_at": now},
                )
            return None
        except IntegrityError:
            pass
        with self._engine.begin() as connection:
            row = connection.execute(select(_rows).where(_rows.c.staff_id == staff_id, _rows.c.key == key)).first()
            if row is None:  # released by a failed first request in between: run afresh
                return self.claim(staff_id, key, digest)
            if row.request_sha256 != digest:
                raise IdempotencyKeyReused(
                    f"header {IDEMPOTENCY_HEADER}: this key was used for another request (method, path or body): "
                    "expected a new key for a new request"
                )
            if row.status_code is not None:
                return StoredResponse(row.status_code, row.response_body or "", row.content_type or "application/json")
            if _utc(row.created_at) > now - timedelta(seconds=CLAIM_SECONDS) or not self._take_over(
                connection, staff_id, key, row.created_at, now
            ):
                raise IdempotencyKeyInProgress(
                    f"header {IDEMPOTENCY_HEADER}: a request with this key is still running: retry in a few seconds"
                )
            return None

    @staticmethod
    def _take_over(connection: Connection, staff_id: str, key: str, claimed_at: datetime, now: datetime) -> bool:
        # Compare and set on the claim's time: of two requests taking over one stale claim, one wins.
        taken = connection.execute(
            update(_rows)
            .where(_rows.c.staff_id == staff_id, _rows.c.key == key, _rows.c.created_at == claimed_at)
            .values(created_at=now)
        )
        return taken.rowcount == 1

    def keep(self, staff_id: str, key: str, answer: StoredResponse) -> None:
        """Store the first answer under the key."""
        with self._engine.begin() as connection:
            connection.execute(
                update(_rows)
                .where(_rows.c.staff_id == staff_id, _rows.c.key == key)
                .values(status_code=answer.status_code, response_body=answer.body, content_type=answer.content_type)
            )

    def release(self, staff_id: str, key: str) -> None:
        """Give the key back unanswered (the server failed), so a retry runs afresh."""
        with self._engine.begin() as connection:
            connection.execute(delete(_rows).where(_rows.c.staff_id == staff_id, _rows.c.key == key))
