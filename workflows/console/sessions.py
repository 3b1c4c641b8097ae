"""Console sessions: a random secret in an HttpOnly cookie, its SHA-256 in the database with who is signed in, in
which role, the session's CSRF token and when it was last used. A session unused for longer than
CASEFLOW_SESSION_MINUTES is over; signing out deletes it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from workflows.persistence import ConsoleSessionRow
from workflows.settings import utc_now

__all__ = ["SESSION_COOKIE", "ConsoleSession", "SessionStore", "same_token"]

SESSION_COOKIE = "caseflow_session"
_sessions = ConsoleSessionRow.__table__
# A session's last use is written at most this often: every page view would otherwise be a write.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class ConsoleSession:
    """Who is signed in, in which role, and the token their forms must carry."""

    staff_id: str
    role: str
    csrf_token: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time stored here is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=utc_now().tzinfo)


def same_token(given: str | None, expected: str) -> bool:
    """Whether a form's CSRF token is the session's, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class SessionStore:
    """Start, find (renewing its last use) and end console sessions."""

    def __init__(self, engine: Engine, minutes: int, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine, self._idle, self._clock = engine, timedelta(minutes=minutes), clock

    def start(self, staff_id: str, role: str) -> str:
        """A new session for `staff_id` acting as `role`; returns the cookie's secret (stored only as a hash)."""
        secret, now = secrets.token_urlsafe(32), self._clock()
        row = {
            "secret_sha256": _digest(secret),
            "staff_id": staff_id,
            "role": role,
            "csrf_token": secrets.token_urlsafe(32),
            "created_at": now,
            "last_seen_at": now,
        }
        with self._engine.begin() as connection:
            # Sessions idle past their time are swept when anyone signs in: the table holds live ones only.
            connection.execute(delete(_sessions).where(_sessions.c.last_seen_at < now - self._idle))
            connection.execute(insert(_sessions), row)
        return secret

    def find(self, secret: str | None) -> ConsoleSession | None:
        """The live session whose cookie holds `secret`, its last use renewed; None if there is none or it idled out."""
        if not secret:
            return None
        key, now = _digest(secret), self._clock()
        with self._engine.begin() as connection:
            row = connection.execute(select(_sessions).where(_sessions.c.secret_sha256 == key)).first()
            if row is None:
                return None
            last_seen = _aware(row.last_seen_at)
            if now - last_seen > self._idle:
                connection.execute(delete(_sessions).where(_sessions.c.secret_sha256 == key))
                return None
            if now - last_seen > TOUCH_EVERY:
                connection.execute(update(_sessions).where(_sessions.c.secret_sha256 == key).values(last_seen_at=now))
        return ConsoleSession(row.staff_id, row.role, row.csrf_token)

    def end(self, secret: str | None) -> None:
        """Sign out: the session is deleted, so its cookie is worth nothing even if kept."""
        if secret:
            with self._engine.begin() as connection:
                connection.execute(delete(_sessions).where(_sessions.c.secret_sha256 == _digest(secret)))
