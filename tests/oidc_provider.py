"""A real OpenID Connect provider for the suite: `oidc-provider-mock` in a process of its own, on a free port.

It signs real RS256 id_tokens with a key it makes at start and publishes in its JWKS. Its authorization endpoint
takes a POSTed form with the subject (`sub`) in place of a person at a login page, and any client id and secret
are accepted; `PUT /users/{sub}` sets the claims its tokens carry for that subject. So a test gets a token the way
a browser would, without one: authorize, follow nothing, read the code off the redirect, exchange it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.ports import free_port

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "REDIRECT_URL", "OidcProvider", "oidc_provider"]

CLIENT_ID = "caseflow-console"
# Any secret is accepted, but one must be sent: the provider takes client_secret_basic only.
CLIENT_SECRET = "console-secret"
# Never fetched: the provider only redirects to it, and the test reads the code off the redirect.
REDIRECT_URL = "http://127.0.0.1:9/sign-in/callback"
START_SECONDS = 30.0


@dataclass(frozen=True)
class OidcProvider:
    """The running provider: its issuer URL, and a way to get tokens for a subject."""

    issuer: str

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def set_claims(self, sub: str, claims: dict[str, Any]) -> None:
        """The claims the provider's tokens will carry for `sub` (besides `sub` itself)."""
        httpx.put(f"{self.issuer}/users/{sub}", json=claims).raise_for_status()

    def authorize(self, authorization_url: str, sub: str) -> dict[str, str]:
        """Sign `sub` in at an authorization URL, as the person at the login page would; the redirect's query."""
        response = httpx.post(authorization_url, data={"sub": sub})
        assert response.status_code == 302, response.text[:300]
        return dict(parse_qsl(urlsplit(response.headers["location"]).query))

    def tokens(self, sub: str, *, nonce: str = "test-nonce", client_id: str = CLIENT_ID) -> dict[str, Any]:
        """The token endpoint's answer (id_token and access_token) after `sub` signs in to `client_id`."""
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URL,
            "scope": "openid profile",
            "state": "test-state",
            "nonce": nonce,
        }
        url = httpx.URL(f"{self.issuer}/oauth2/authorize", params=query)
        code = self.authorize(str(url), sub)["code"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URL, "client_id": client_id}
        response = httpx.post(f"{self.issuer}/oauth2/token", data=form, auth=(client_id, CLIENT_SECRET))
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def id_token(self, sub: str, **kwargs: Any) -> str:
        """A fresh id_token for `sub`, signed by the provider."""
        return str(self.tokens(sub, **kwargs)["id_token"])


def _wait_until_ready(process: subprocess.Popen[bytes], issuer: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"oidc-provider-mock exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a condition (the port answers), not waiting a fixed time
    pytest.fail(f"oidc-provider-mock did not answer within {START_SECONDS:.0f} s:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """The provider process, started once for the session and stopped at its end."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("oidc_provider") / "provider.log"
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(process, issuer, log)
        yield OidcProvider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
