"""OpenID Connect against a real provider process (oidc-provider-mock): its tokens through `bearer_member`, and the
console's sign-in (authorization code flow with PKCE) from authorization URL to member of staff.

The provider's tokens are signed now, with its own clock, and last an hour (its default).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from sqlalchemy import Engine
from structlog.testing import capture_logs

from tests.integration.sweep_builders import policies
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, OidcProvider
from workflows.services import (
    KeySet,
    OidcSignIn,
    OidcUnavailable,
    OidcVerifier,
    StaffDirectory,
    StaffEntry,
    TokenRefused,
    bearer_member,
    create_token,
    known_roles,
)
from workflows.settings import Settings

pytestmark = pytest.mark.both_databases

MANAGER = StaffEntry("tm-n1", "tm-n1@example.org", ("team_manager",), ("north",))


def _settings(provider: OidcProvider, **changes: object) -> Settings:
    values: dict[str, object] = {
        "oidc_issuer": provider.issuer,
        # The provider's id_tokens are for the client that signed in; an API would be given its own audience.
        "oidc_audience": CLIENT_ID,
        "oidc_jwks_url": provider.jwks_url,
        "oidc_client_id": CLIENT_ID,
        "oidc_redirect_url": REDIRECT_URL,
        "oidc_client_secret": CLIENT_SECRET,
    }
    return Settings(**{**values, **changes})  # type: ignore[arg-type]


@pytest.fixture
def directory(engine: Engine) -> Iterator[StaffDirectory]:
    directory = StaffDirectory(engine, known_roles(policies()))
    directory.add(MANAGER)
    yield directory


@pytest.fixture
def manager_token(oidc_provider: OidcProvider) -> str:
    # The subject is the provider's own opaque id; the staff id travels in preferred_username.
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})
    return oidc_provider.id_token("subject-tm-n1")


def _refusal(engine: Engine, settings: Settings, token: str) -> dict[str, object]:
    with capture_logs() as logs, pytest.raises(TokenRefused):
        bearer_member(engine, settings, token)
    assert token not in repr(logs)
    (refusal,) = [entry for entry in logs if "refused" in entry["event"]]
    return refusal


def test_a_token_from_the_provider_names_the_member_of_staff_in_preferred_username(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory, manager_token: str
) -> None:
    member = bearer_member(engine, _settings(oidc_provider), manager_token)
    assert (member.id, member.roles, member.teams) == ("tm-n1", ("team_manager",), ("north",))


def test_an_api_token_goes_to_the_api_tokens_whether_or_not_oidc_is_configured(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    issued = create_token(engine, "tm-n1", days=30, timezone="Europe/London")

    assert bearer_member(engine, Settings(), issued.token).id == "tm-n1"
    assert bearer_member(engine, _settings(oidc_provider), issued.token).id == "tm-n1"


def test_a_provider_token_is_refused_when_oidc_is_not_configured(
    engine: Engine, directory: StaffDirectory, manager_token: str
) -> None:
    assert _refusal(engine, Settings(), manager_token)["reason"] == "oidc_not_configured"


def test_a_provider_token_for_a_member_since_deactivated_is_refused(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory, manager_token: str
) -> None:
    directory.deactivate("tm-n1")
    refusal = _refusal(engine, _settings(oidc_provider), manager_token)
    assert (refusal["reason"], refusal["staff_id"]) == ("staff_inactive", "tm-n1")


def test_a_provider_token_for_someone_not_in_the_directory_is_refused(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    oidc_provider.set_claims("subject-stranger", {"preferred_username": "stranger-1"})
    token = oidc_provider.id_token("subject-stranger")
    refusal = _refusal(engine, _settings(oidc_provider), token)
    assert (refusal["reason"], refusal["staff_id"], refusal["iss"]) == (
        "unknown_staff",
        "stranger-1",
        oidc_provider.issuer,
    )


def test_a_provider_token_issued_to_another_client_is_refused(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})
    token = oidc_provider.id_token("subject-tm-n1", client_id="another-service")
    assert _refusal(engine, _settings(oidc_provider), token)["reason"] == "wrong_audience"


def test_a_provider_token_is_refused_once_its_hour_and_the_leeway_are_over(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory, manager_token: str
) -> None:
    expires = datetime.fromtimestamp(jwt.decode(manager_token, options={"verify_signature": False})["exp"], UTC)
    late = OidcVerifier(
        oidc_provider.issuer, KeySet(oidc_provider.jwks_url), "preferred_username", clock=lambda: expires
    )
    assert late.member(engine, manager_token, audience=CLIENT_ID).id == "tm-n1"  # at exp, still within the leeway

    too_late = expires + timedelta(seconds=61)
    later = OidcVerifier(
        oidc_provider.issuer, KeySet(oidc_provider.jwks_url), "preferred_username", clock=lambda: too_late
    )
    with pytest.raises(TokenRefused) as refused:
        later.member(engine, manager_token, audience=CLIENT_ID)
    assert refused.value.reason == "expired"


def test_sign_in_sends_the_browser_to_the_provider_with_state_nonce_and_an_s256_challenge(
    oidc_provider: OidcProvider,
) -> None:
    pending = OidcSignIn(_settings(oidc_provider)).start()

    url = urlsplit(pending.url)
    query = dict(parse_qsl(url.query))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{oidc_provider.issuer}/oauth2/authorize"
    assert {key: query[key] for key in ("response_type", "client_id", "redirect_uri", "scope")} == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URL,
        "scope": "openid profile",
    }
    assert (query["state"], query["nonce"], query["code_challenge_method"]) == (pending.state, pending.nonce, "S256")
    assert pending.code_verifier not in pending.url  # only its hash travels through the browser
    assert len({pending.state, pending.nonce, pending.code_verifier}) == 3


def test_a_manager_signs_in_through_the_provider_and_is_the_member_of_staff_it_names(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})
    sign_in = OidcSignIn(_settings(oidc_provider))
    pending = sign_in.start()

    callback = oidc_provider.authorize(pending.url, "subject-tm-n1")

    assert sign_in.finish(engine, pending, callback).id == "tm-n1"


def test_a_callback_with_another_state_is_refused_before_the_code_is_used(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})
    sign_in = OidcSignIn(_settings(oidc_provider))
    pending, forged = sign_in.start(), sign_in.start()
    callback = oidc_provider.authorize(forged.url, "subject-tm-n1")

    with pytest.raises(TokenRefused) as refused:
        sign_in.finish(engine, pending, callback)
    assert refused.value.reason == "state_mismatch"
    assert sign_in.finish(engine, forged, callback).id == "tm-n1"  # the code was not spent by the refused attempt


def test_an_id_token_minted_for_another_sign_in_is_refused_by_its_nonce(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})
    sign_in = OidcSignIn(_settings(oidc_provider))
    pending = sign_in.start()
    callback = oidc_provider.authorize(pending.url, "subject-tm-n1")
    replayed = type(pending)(pending.url, pending.state, "nonce-of-another-sign-in", pending.code_verifier)

    with pytest.raises(TokenRefused) as refused:
        sign_in.finish(engine, replayed, callback)
    assert refused.value.reason == "nonce_mismatch"


def test_a_provider_that_denied_sign_in_is_a_refusal_not_an_error(
    oidc_provider: OidcProvider, engine: Engine, directory: StaffDirectory
) -> None:
    sign_in = OidcSignIn(_settings(oidc_provider))
    pending = sign_in.start()
    with pytest.raises(TokenRefused) as refused:
        sign_in.finish(engine, pending, {"state": pending.state, "error": "access_denied"})
    assert refused.value.reason == "provider_refused_sign_in"


def test_a_discovery_document_naming_another_issuer_is_not_used(oidc_provider: OidcProvider) -> None:
    # The same server's document, but the issuer configured differs by a trailing slash: tokens would never match it.
    issuer = f"{oidc_provider.issuer}/"
    with pytest.raises(OidcUnavailable, match="names another issuer"):
        OidcSignIn(_settings(oidc_provider, oidc_issuer=issuer)).start()
