"""Local console passwords (`caseflow staff password`): argon2 hashes in the directory, checked at sign-in.

For the embedded default and the demo; in production people sign in through the authority's OpenID Connect
provider and hold no local password. Only the hash is stored; the password is never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update

from workflows.logs import get_logger
from workflows.persistence import StaffPasswordRow
from workflows.services.errors import PasswordInvalid, StaffInactive, StaffNotFound
from workflows.services.staff import StaffMember, load_member
from workflows.settings import utc_now

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "StaffPasswords", "password_problem"]

MIN_PASSWORD_LENGTH = 12
# argon2 hashes any length, but a megabyte "password" is a denial of service, not a secret.
MAX_PASSWORD_LENGTH = 256
_passwords = StaffPasswordRow.__table__
# argon2-cffi's defaults (RFC 9106's second recommended profile, low memory).
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the staff id has no password, so that a wrong id costs as long as a wrong password."""
    return _hasher.hash("not the password of anyone")


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger("caseflow.staff")


def password_problem(password: str) -> str | None:
    """Why `password` cannot be set (never echoing it), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password: at least {MIN_PASSWORD_LENGTH} characters expected (got {len(password)})"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password: at most {MAX_PASSWORD_LENGTH} characters expected (got {len(password)})"
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        return "password: control characters (a tab, a line break, ...) are not allowed"
    return None


class StaffPasswords:
    """Set a member's console password, and check one at sign-in."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine, self._clock = engine, clock

    def set(self, staff_id: str, password: str) -> None:
        """Set (or replace) the password of an active member; PasswordInvalid, StaffNotFound or StaffInactive."""
        problem = password_problem(password)
        if problem is not None:
            raise PasswordInvalid(f"staff {staff_id}: {problem}")
        hashed = _hasher.hash(password)
        with self._engine.begin() as connection:
            member = load_member(connection, staff_id)
            if member is None:
                raise StaffNotFound(f"staff {staff_id}: no such member of staff")
            if not member.active:
                raise StaffInactive(f"staff {staff_id}: deactivated; a deactivated member cannot sign in")
            connection.execute(delete(_passwords).where(_passwords.c.staff_id == staff_id))
            connection.execute(
                insert(_passwords), {"staff_id": staff_id, "argon2_hash": hashed, "set_at": self._clock()}
            )
        _log().info("staff_password_set", staff_id=staff_id)

    def check(self, staff_id: str, password: str) -> StaffMember | None:
        """The active member whose password this is, or None (unknown id, no password, wrong one, deactivated)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self._engine.connect() as connection:
            stored = connection.execute(
                select(_passwords.c.argon2_hash).where(_passwords.c.staff_id == staff_id)
            ).scalar()
            if not _matches(stored, password):
                return None
            member = load_member(connection, staff_id)
        if stored is not None and _hasher.check_needs_rehash(stored):
            self._rehash(staff_id, password)
        return member if member is not None and member.active else None

    def _rehash(self, staff_id: str, password: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(_passwords).where(_passwords.c.staff_id == staff_id).values(argon2_hash=_hasher.hash(password))
            )


def _matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
