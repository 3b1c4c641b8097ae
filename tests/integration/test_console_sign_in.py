"""Console passwords (argon2 hashes in the directory) and sessions (ended by sign-out or after idling too long)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from tests.integration.sweep_builders import policies
from workflows.console.sessions import SessionStore
from workflows.persistence import StaffPasswordRow
from workflows.services import (
    PasswordInvalid,
    StaffDirectory,
    StaffEntry,
    StaffInactive,
    StaffNotFound,
    StaffPasswords,
    known_roles,
)

PASSWORD = "correct horse battery"
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _directory(engine: Engine) -> StaffDirectory:
    directory = StaffDirectory(engine, known_roles(policies()))
    directory.add(StaffEntry("tm-1", "tm-1@example.org", ("team_manager",), ("north",)))
    return directory


def test_a_password_is_stored_as_an_argon2_hash_and_checks_only_itself(engine: Engine) -> None:
    _directory(engine)
    passwords = StaffPasswords(engine)
    passwords.set("tm-1", PASSWORD)

    with engine.connect() as connection:
        stored = connection.execute(select(StaffPasswordRow.argon2_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    member = passwords.check("tm-1", PASSWORD)
    assert member is not None and member.id == "tm-1"
    assert passwords.check("tm-1", PASSWORD.upper()) is None
    assert passwords.check("nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("eleven char", "at least 12 characters expected (got 11)"),
        ("x" * 257, "at most 256 characters expected (got 257)"),
        ("twelve chars\n!", "control characters"),
    ],
)
def test_a_password_that_cannot_be_set_is_refused_in_one_line_without_echoing_it(
    engine: Engine, password: str, problem: str
) -> None:
    _directory(engine)
    with pytest.raises(PasswordInvalid) as refused:
        StaffPasswords(engine).set("tm-1", password)
    assert problem in str(refused.value) and password not in str(refused.value)


def test_a_password_is_refused_for_someone_not_in_the_directory_or_deactivated(engine: Engine) -> None:
    directory = _directory(engine)
    passwords = StaffPasswords(engine)
    with pytest.raises(StaffNotFound):
        passwords.set("nobody", PASSWORD)
    passwords.set("tm-1", PASSWORD)
    directory.deactivate("tm-1")
    assert passwords.check("tm-1", PASSWORD) is None
    with pytest.raises(StaffInactive):
        passwords.set("tm-1", PASSWORD)


@pytest.mark.both_databases
def test_a_session_lasts_while_used_and_ends_after_idling_longer_than_its_minutes(engine: Engine) -> None:
    _directory(engine)
    clock = Clock(NOON)
    sessions = SessionStore(engine, minutes=30, clock=clock)
    secret = sessions.start("tm-1", "team_manager")

    # Used at 12:29 and again at 12:58: never 30 minutes idle, so still live.
    clock.now = NOON + timedelta(minutes=29)
    assert sessions.find(secret) is not None
    clock.now = NOON + timedelta(minutes=58)
    found = sessions.find(secret)
    assert found is not None and (found.staff_id, found.role) == ("tm-1", "team_manager")
    # Last used 12:58; at 13:28:01 it has idled 30 minutes and a second.
    clock.now = NOON + timedelta(minutes=88, seconds=1)
    assert sessions.find(secret) is None
    assert sessions.find(secret) is None  # deleted, not merely refused


@pytest.mark.both_databases
def test_signing_out_ends_the_session_and_a_guessed_cookie_finds_none(engine: Engine) -> None:
    _directory(engine)
    sessions = SessionStore(engine, minutes=30, clock=Clock(NOON))
    secret = sessions.start("tm-1", "team_manager")
    assert sessions.find(secret + "x") is None
    assert sessions.find(None) is None
    sessions.end(secret)
    assert sessions.find(secret) is None
