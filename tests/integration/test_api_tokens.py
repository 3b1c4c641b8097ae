"""API tokens on both databases: shown once, stored hashed, refused when unknown, wrong, expired, revoked or orphaned."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, String, Text, cast, select, update
from structlog.testing import capture_logs

from tests.integration.sweep_builders import policies
from workflows.persistence import ApiTokenRow, Base, StaffRow
from workflows.services import (
    IssuedToken,
    StaffDirectory,
    StaffEntry,
    StaffInactive,
    StaffNotFound,
    TokenAlreadyRevoked,
    TokenExpiryInvalid,
    TokenNotFound,
    TokenRefused,
    authenticate,
    create_token,
    known_roles,
    list_tokens,
    revoke_token,
)

LONDON = "Europe/London"
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
CMS = StaffEntry("cms-1", "cms-admin@example.org", ("business_support",), ("north",))


def _at(moment: datetime) -> dict[str, object]:
    return {"clock": lambda: moment}


@pytest.fixture
def issued(engine: Engine) -> IssuedToken:
    StaffDirectory(engine, known_roles(policies())).add(CMS)
    return create_token(engine, "cms-1", days=30, timezone=LONDON, **_at(NOW))  # type: ignore[arg-type]


def _refusal(engine: Engine, token: str, moment: datetime = NOW) -> TokenRefused:
    with pytest.raises(TokenRefused) as refused:
        authenticate(engine, token, **_at(moment))  # type: ignore[arg-type]
    assert str(refused.value) == "API token refused"
    return refused.value


def _last_used(engine: Engine) -> datetime | None:
    (token,) = list_tokens(engine)
    return token.last_used_at


def test_a_token_reads_prefix_id_and_secret_and_expires_at_london_midnight_of_its_date(
    engine: Engine, issued: IssuedToken
) -> None:
    assert re.fullmatch(rf"cf_{issued.id}_[0-9a-f]{{64}}", issued.token)
    assert issued.expires_on == date(2027, 4, 9)
    (listed,) = list_tokens(engine)
    # 9 April 2027 is in British Summer Time: midnight in London is 23:00 UTC the day before.
    assert listed.expires_at == datetime(2027, 4, 8, 23, 0, tzinfo=UTC)
    assert (listed.staff_id, listed.created_at, listed.revoked_at, listed.last_used_at) == ("cms-1", NOW, None, None)


def test_the_expiry_date_counts_from_today_in_london_not_in_utc(engine: Engine) -> None:
    StaffDirectory(engine, known_roles(policies())).add(CMS)
    late_evening_utc = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July in London

    issued = create_token(engine, "cms-1", days=1, timezone=LONDON, clock=lambda: late_evening_utc)

    assert issued.expires_on == date(2027, 7, 2)


def test_a_good_token_gives_its_active_member_and_records_its_use(engine: Engine, issued: IssuedToken) -> None:
    used_at = NOW + timedelta(hours=2)

    member = authenticate(engine, issued.token, clock=lambda: used_at)

    assert (member.id, member.roles, member.teams, member.active) == ("cms-1", ("business_support",), ("north",), True)
    assert _last_used(engine) == used_at


def test_a_token_works_until_the_london_midnight_that_starts_its_expiry_date(
    engine: Engine, issued: IssuedToken
) -> None:
    midnight = datetime(2027, 4, 8, 23, 0, tzinfo=UTC)

    assert authenticate(engine, issued.token, clock=lambda: midnight - timedelta(seconds=1)).id == "cms-1"
    assert _refusal(engine, issued.token, midnight).reason == "expired"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "cf_",
        "Bearer cf_0123456789abcdef_" + "0" * 64,
        "cf_0123456789abcdef_" + "0" * 63,
        "xx_0123456789abcdef_" + "0" * 64,
    ],
)
def test_a_malformed_token_is_refused_before_the_database_is_asked(engine: Engine, token: str) -> None:
    refused = _refusal(engine, token)

    assert (refused.token_id, refused.reason) == (None, "malformed")


def test_an_unknown_token_id_is_refused(engine: Engine, issued: IssuedToken) -> None:
    refused = _refusal(engine, "cf_0123456789abcdef_" + issued.token[-64:])

    assert (refused.token_id, refused.reason) == ("0123456789abcdef", "unknown")


def test_a_wrong_secret_is_refused_and_the_use_not_recorded(engine: Engine, issued: IssuedToken) -> None:
    wrong = issued.token[:-1] + ("0" if issued.token[-1] != "0" else "1")

    refused = _refusal(engine, wrong)

    assert (refused.token_id, refused.reason) == (issued.id, "wrong_secret")
    assert _last_used(engine) is None


def test_a_revoked_token_is_refused_and_cannot_be_revoked_again(engine: Engine, issued: IssuedToken) -> None:
    revoke_token(engine, issued.id, clock=lambda: NOW)

    assert _refusal(engine, issued.token).reason == "revoked"
    with pytest.raises(TokenAlreadyRevoked, match=f"^token {issued.id}: already revoked at 2027-03-10 09:00 UTC$"):
        revoke_token(engine, issued.id)
    with pytest.raises(TokenNotFound, match=r"^token 0123456789abcdef: no such API token$"):
        revoke_token(engine, "0123456789abcdef")


def test_a_deactivated_members_token_is_refused_as_revoked(engine: Engine, issued: IssuedToken) -> None:
    StaffDirectory(engine, known_roles(policies())).deactivate("cms-1")

    assert _refusal(engine, issued.token).reason == "revoked"


def test_a_live_token_of_a_member_deactivated_behind_the_directorys_back_is_still_refused(
    engine: Engine, issued: IssuedToken
) -> None:
    with engine.begin() as connection:  # as a hand-edited row would: the staff row alone, tokens untouched
        connection.execute(update(StaffRow.__table__).values(deactivated_at=NOW))

    assert _refusal(engine, issued.token).reason == "staff_inactive"


def test_no_token_for_an_unknown_or_deactivated_member_or_an_unbounded_lifetime(engine: Engine) -> None:
    StaffDirectory(engine, known_roles(policies())).add(CMS)
    StaffDirectory(engine, known_roles(policies())).deactivate("cms-1")

    with pytest.raises(StaffNotFound):
        create_token(engine, "nobody", days=30, timezone=LONDON)
    with pytest.raises(StaffInactive, match=r"^staff cms-1: deactivated; a deactivated member gets no token$"):
        create_token(engine, "cms-1", days=30, timezone=LONDON)
    for days in (0, 367):
        with pytest.raises(TokenExpiryInvalid, match=f"^token lifetime of {days} days: expected 1 to 366$"):
            create_token(engine, "cms-1", days=days, timezone=LONDON)
    assert list_tokens(engine) == []


def _every_stored_value(engine: Engine) -> list[str]:
    """Every non-null value of every column of every table, as text."""
    values: list[str] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            texts = [cast(column, String if engine.dialect.name == "sqlite" else Text) for column in table.columns]
            for row in connection.execute(select(*texts)):
                values.extend(str(value) for value in row if value is not None)
    return values


def test_the_secret_is_stored_nowhere_only_its_sha256(engine: Engine, issued: IssuedToken) -> None:
    authenticate(engine, issued.token, clock=lambda: NOW)
    secret = issued.token.rsplit("_", 1)[1]

    stored = _every_stored_value(engine)

    assert stored and not [value for value in stored if secret in value or secret.upper() in value]
    with engine.connect() as connection:
        digest = connection.execute(select(ApiTokenRow.secret_sha256)).scalar_one()
    assert digest == hashlib.sha256(secret.encode()).hexdigest()


def test_a_refusal_is_logged_with_the_token_id_and_reason_never_the_secret(engine: Engine, issued: IssuedToken) -> None:
    wrong = issued.token[:-1] + ("0" if issued.token[-1] != "0" else "1")

    with capture_logs() as logs:
        _refusal(engine, wrong)

    assert logs == [
        {"event": "api_token_refused", "token_id": issued.id, "reason": "wrong_secret", "log_level": "warning"}
    ]
