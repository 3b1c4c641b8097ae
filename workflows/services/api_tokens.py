"""API tokens for people and systems: shown once when created, stored only as a SHA-256 of their secret.

A token reads `cf_<id>_<secret>`: the id (16 hex digits) names the token in lists, logs and revocation; the secret
(64 hex digits, 256 random bits) is never stored. A plain SHA-256 suffices for a random secret of that size: there
is no password to guess, so nothing to slow down. A token expires at midnight, where the authority is, of its
`expires_on` date, and stops working at once when revoked or when its holder is deactivated.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert, select, update

from workflows.logs import get_logger
from workflows.persistence import ApiTokenRow, StaffRow
from workflows.services.errors import (
    StaffInactive,
    StaffNotFound,
    TokenAlreadyRevoked,
    TokenExpiryInvalid,
    TokenNotFound,
    TokenRefused,
)
from workflows.services.staff import StaffMember, load_member
from workflows.settings import utc_now

__all__ = [
    "DEFAULT_EXPIRY_DAYS",
    "MAX_EXPIRY_DAYS",
    "IssuedToken",
    "TokenInfo",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
]

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366  # a token for a system is replaced at least once a year
PREFIX = "cf"
_TOKEN = re.compile(rf"{PREFIX}_(?P<id>[0-9a-f]{{16}})_(?P<secret>[0-9a-f]{{64}})")
_tokens, _staff = ApiTokenRow.__table__, StaffRow.__table__
Clock = Callable[[], datetime]
LOGGER = "caseflow.api_tokens"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: the only time its secret exists outside the holder's hands."""

    token: str
    id: str
    staff_id: str
    expires_on: date


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its secret."""

    id: str
    staff_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every timestamp here was written in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def create_token(engine: Engine, staff_id: str, *, days: int, timezone: str, clock: Clock = utc_now) -> IssuedToken:
    """A new token for an active member of staff, expiring `days` days from today where the authority is."""
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise TokenExpiryInvalid(f"token lifetime of {days} days: expected 1 to {MAX_EXPIRY_DAYS}")
    now, zone = clock(), ZoneInfo(timezone)
    expires_on = now.astimezone(zone).date() + timedelta(days=days)
    token_id, secret = secrets.token_hex(8), secrets.token_hex(32)
    row = {
        "id": token_id,
        "staff_id": staff_id,
        "secret_sha256": _digest(secret),
        "created_at": now,
        "expires_at": datetime.combine(expires_on, time(0), tzinfo=zone).astimezone(UTC),
        "revoked_at": None,
        "last_used_at": None,
    }
    with engine.begin() as connection:
        _require_active(connection, staff_id)
        connection.execute(insert(_tokens), row)
    _log().info("api_token_created", token_id=token_id, staff_id=staff_id)
    return IssuedToken(f"{PREFIX}_{token_id}_{secret}", token_id, staff_id, expires_on)


def _require_active(connection: Connection, staff_id: str) -> None:
    # Locks the member's row: a deactivation running at the same moment waits, or is waited for and seen.
    row = connection.execute(select(_staff.c.deactivated_at).where(_staff.c.id == staff_id).with_for_update()).first()
    if row is None:
        raise StaffNotFound(f"staff {staff_id}: no such member of staff")
    if row.deactivated_at is not None:
        raise StaffInactive(f"staff {staff_id}: deactivated; a deactivated member gets no token")


def revoke_token(engine: Engine, token_id: str, *, clock: Clock = utc_now) -> None:
    """Revoke a token at once; TokenNotFound, or TokenAlreadyRevoked."""
    with engine.begin() as connection:
        row = connection.execute(select(_tokens.c.revoked_at).where(_tokens.c.id == token_id).with_for_update()).first()
        if row is None:
            raise TokenNotFound(f"token {token_id}: no such API token")
        if row.revoked_at is not None:
            raise TokenAlreadyRevoked(f"token {token_id}: already revoked at {_utc(row.revoked_at):%Y-%m-%d %H:%M} UTC")
        connection.execute(update(_tokens).where(_tokens.c.id == token_id).values(revoked_at=clock()))
    _log().info("api_token_revoked", token_id=token_id)


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """Every token, oldest first; never a secret or its hash."""
    columns = (_tokens.c[name] for name in ("id", "staff_id", "created_at", "expires_at", "revoked_at", "last_used_at"))
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(_tokens.c.created_at, _tokens.c.id)).all()
    return [
        TokenInfo(
            row.id,
            row.staff_id,
            _utc(row.created_at),
            _utc(row.expires_at),
            _utc(row.revoked_at) if row.revoked_at else None,
            _utc(row.last_used_at) if row.last_used_at else None,
        )
        for row in rows
    ]


def authenticate(engine: Engine, token: str, *, clock: Clock = utc_now) -> StaffMember:
    """The active member of staff a live token belongs to, its use recorded; TokenRefused otherwise."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        _refuse(None, "malformed")
    token_id, now = match["id"], clock()
    with engine.begin() as connection:
        row = connection.execute(select(_tokens).where(_tokens.c.id == token_id)).first()
        if row is None:
            _refuse(token_id, "unknown")
        # Constant time: how much of a guessed secret matched must not show in how long the answer takes.
        if not hmac.compare_digest(row.secret_sha256, _digest(match["secret"])):
            _refuse(token_id, "wrong_secret")
        if row.revoked_at is not None:
            _refuse(token_id, "revoked")
        if now >= _utc(row.expires_at):
            _refuse(token_id, "expired")
        member = load_member(connection, row.staff_id)
        if member is None or not member.active:
            _refuse(token_id, "staff_inactive")
        connection.execute(update(_tokens).where(_tokens.c.id == token_id).values(last_used_at=now))
    return member


def _refuse(token_id: str | None, reason: str) -> NoReturn:
    _log().warning("api_token_refused", token_id=token_id, reason=reason)
    raise TokenRefused(token_id, reason)
