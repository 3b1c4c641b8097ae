"""The authority's OpenID Connect provider (a real provider process) in front of the real web application: the API
accepts its JWTs as it accepts API tokens (the configured claim names the member of staff, whose teams scope what they
see), and the console signs people in through it (authorization code flow with PKCE)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.e2e.api_server import ApiServer, add_staff, api_environment, bearer, running_api
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, REDIRECT_URL, OidcProvider
from workflows.persistence import make_engine

pytestmark = [pytest.mark.e2e]

REFERRAL = {"referral_date": "2026-11-02", "date_of_birth": "2019-05-17", "team": "north"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
def server(database_url: str, tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[ApiServer]:
    env = api_environment(database_url, tmp_path / "data")
    # The provider's id_tokens are for the client that signed in; a real API would be given an audience of its own.
    env |= {
        "CASEFLOW_OIDC_ISSUER": oidc_provider.issuer,
        "CASEFLOW_OIDC_AUDIENCE": CLIENT_ID,
        "CASEFLOW_OIDC_JWKS_URL": oidc_provider.jwks_url,
        "CASEFLOW_OIDC_CLIENT_ID": CLIENT_ID,
        "CASEFLOW_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        # The provider only redirects the browser there; the test plays the browser and calls the server's callback.
        "CASEFLOW_OIDC_REDIRECT_URL": REDIRECT_URL,
    }
    with running_api(env, tmp_path / "api.log") as running:
        yield running


def test_a_provider_token_acts_as_the_member_its_claim_names_within_their_teams(
    server: ApiServer, engine: Engine, oidc_provider: OidcProvider
) -> None:
    add_staff(engine, "sw-n1", ("social_worker",), ("north",))
    add_staff(engine, "sw-s1", ("social_worker",), ("south",))
    oidc_provider.set_claims("subject-sw-n1", {"preferred_username": "sw-n1"})
    oidc_provider.set_claims("subject-sw-s1", {"preferred_username": "sw-s1"})
    north, south = oidc_provider.id_token("subject-sw-n1"), oidc_provider.id_token("subject-sw-s1")

    opened = httpx.post(
        f"{server.url}/api/v1/cases/OIDC-1/triggers/receive_referral", json=REFERRAL, headers=bearer(north)
    )
    assert opened.status_code == 200, opened.text
    assert httpx.get(f"{server.url}/api/v1/cases/OIDC-1", headers=bearer(north)).status_code == 200
    assert httpx.get(f"{server.url}/api/v1/cases/OIDC-1", headers=bearer(south)).status_code == 404

    forged = north[:-4] + ("AAAA" if not north.endswith("AAAA") else "BBBB")
    refused = httpx.get(f"{server.url}/api/v1/cases/OIDC-1", headers=bearer(forged))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert north not in server.log() and forged not in server.log()


def _callback(server: ApiServer, browser: httpx.Client, oidc_provider: OidcProvider, sub: str) -> httpx.Response:
    """The browser's round trip: our /sign-in sends it to the provider, the person signs in there as `sub`, and the
    provider's redirect comes back to our callback."""
    started = browser.get(f"{server.url}/sign-in", params={"next": "/cases"})
    assert started.status_code == 303, started.text
    assert "code_challenge_method=S256" in started.headers["location"]
    answer = oidc_provider.authorize(started.headers["location"], sub)
    return browser.get(f"{server.url}/sign-in/callback", params=answer)


def test_the_console_signs_a_member_in_through_the_provider_and_refuses_a_forged_state(
    server: ApiServer, engine: Engine, oidc_provider: OidcProvider
) -> None:
    add_staff(engine, "tm-n1", ("team_manager",), ("north",))
    oidc_provider.set_claims("subject-tm-n1", {"preferred_username": "tm-n1"})

    with httpx.Client() as browser:
        signed_in = _callback(server, browser, oidc_provider, "subject-tm-n1")
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/cases"
        cases = browser.get(f"{server.url}/cases")
        assert cases.status_code == 200
        assert "tm-n1" in cases.text

    with httpx.Client() as browser:
        started = browser.get(f"{server.url}/sign-in")
        answer = oidc_provider.authorize(started.headers["location"], "subject-tm-n1")
        forged = browser.get(f"{server.url}/sign-in/callback", params={**answer, "state": "forged"})
        assert forged.status_code == 401
        assert browser.get(f"{server.url}/cases").status_code == 303  # still not signed in: back to /sign-in
