"""Console sign-in through the identity provider: the authorization code flow with PKCE, no web framework here.

The console calls `start()`, keeps the returned PendingSignIn's state, nonce and code verifier in its (signed,
HttpOnly) session and redirects the browser to its `url`; on the callback it calls `finish(engine, pending,
query)`, which checks `state`, exchanges the code (with the verifier) at the token endpoint, checks the id_token as
bearer tokens are checked plus its `nonce`, and returns the member of staff. State stops a forged callback (CSRF),
the nonce a replayed id_token, PKCE a stolen code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
from sqlalchemy import Engine

from workflows.services.bearer import verifier_for
from workflows.services.errors import OidcNotConfigured, OidcUnavailable
from workflows.services.jwks import FETCH_TIMEOUT_SECONDS, fetch_json
from workflows.services.oidc import OidcVerifier, refuse
from workflows.services.staff import StaffMember
from workflows.settings import Settings

__all__ = [
    "SCOPE",
    "OidcSignIn",
    "PendingSignIn",
    "ProviderEndpoints",
    "authorization_url",
    "code_challenge",
    "discover",
]

# `profile` carries preferred_username, the default staff claim.
SCOPE = "openid profile"


@dataclass(frozen=True)
class ProviderEndpoints:
    """Where the browser is sent to sign in, and where the console exchanges the code."""

    authorization_endpoint: str
    token_endpoint: str


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in under way: the console keeps all of it in the session until the callback, and never shows it."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def discover(issuer: str) -> ProviderEndpoints:
    """The provider's endpoints from its discovery document; OidcUnavailable when it cannot be had or is not its."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        document = fetch_json(url)
    except (httpx.HTTPError, ValueError) as error:
        raise OidcUnavailable(f"identity provider discovery failed: {type(error).__name__}") from None
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0 section 4.3: a document naming another issuer must not be used.
        raise OidcUnavailable(
            "identity provider discovery: the document names another issuer than CASEFLOW_OIDC_ISSUER"
        )
    endpoints = (document.get("authorization_endpoint"), document.get("token_endpoint"))
    if not all(isinstance(endpoint, str) and endpoint for endpoint in endpoints):
        raise OidcUnavailable("identity provider discovery: no authorization_endpoint or token_endpoint")
    return ProviderEndpoints(str(endpoints[0]), str(endpoints[1]))


def code_challenge(code_verifier: str) -> str:
    """The S256 PKCE challenge for a verifier (RFC 7636 section 4.2): unpadded base64url of its SHA-256."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    endpoint: str, *, client_id: str, redirect_url: str, state: str, nonce: str, code_verifier: str
) -> str:
    """The URL that starts a sign-in at the provider: code flow, PKCE S256, with our state and nonce."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_url,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


class OidcSignIn:
    """Sign-in through the configured provider; its endpoints are discovered on first use and kept."""

    def __init__(self, settings: Settings, verifier: OidcVerifier | None = None) -> None:
        if settings.oidc_client_id is None or settings.oidc_redirect_url is None or settings.oidc_issuer is None:
            raise OidcNotConfigured(
                "sign-in through the identity provider needs CASEFLOW_OIDC_ISSUER, CASEFLOW_OIDC_CLIENT_ID "
                "and CASEFLOW_OIDC_REDIRECT_URL"
            )
        self._issuer, self._client_id, self._redirect_url = (
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_redirect_url,
        )
        secret = settings.oidc_client_secret
        self._client_secret = secret.get_secret_value() if secret is not None else None
        self._verifier = verifier or verifier_for(settings)
        self._endpoints: ProviderEndpoints | None = None

    def _provider(self) -> ProviderEndpoints:
        if self._endpoints is None:
            self._endpoints = discover(self._issuer)
        return self._endpoints

    def start(self) -> PendingSignIn:
        """A new sign-in: fresh random state, nonce and PKCE verifier, and the provider URL to redirect to."""
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        url = authorization_url(
            self._provider().authorization_endpoint,
            client_id=self._client_id,
            redirect_url=self._redirect_url,
            state=state,
            nonce=nonce,
            code_verifier=verifier,
        )
        return PendingSignIn(url, state, nonce, verifier)

    def finish(self, engine: Engine, pending: PendingSignIn, callback: Mapping[str, str]) -> StaffMember:
        """The member of staff signed in by the provider's callback (its query parameters); TokenRefused otherwise."""
        if not hmac.compare_digest(callback.get("state", ""), pending.state):
            refuse("", "state_mismatch")
        if "error" in callback or not callback.get("code"):
            refuse("", "provider_refused_sign_in", error=callback.get("error", "no_code")[:60])
        id_token = self._exchange(callback["code"], pending.code_verifier)
        claims = self._verifier.claims(id_token, audience=self._client_id, nonce=pending.nonce)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        # OpenID Connect Core 3.1.3.7: with several audiences, the token must have been issued to us (azp).
        if len(audiences) > 1 and claims.get("azp") != self._client_id:
            refuse(id_token, "wrong_authorized_party")
        return self._verifier.member_for(engine, id_token, claims)

    def _exchange(self, code: str, code_verifier: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._redirect_url,
            "client_id": self._client_id,
            "code_verifier": code_verifier,
        }
        auth = None
        if self._client_secret is not None:
            # client_secret_basic, which every provider must support (RFC 6749 section 2.3.1: each part form-encoded).
            auth = httpx.BasicAuth(quote_plus(self._client_id), quote_plus(self._client_secret))
        try:
            endpoint = self._provider().token_endpoint
            response = httpx.post(endpoint, data=form, auth=auth, timeout=FETCH_TIMEOUT_SECONDS)
            body: Any = response.json()
        except (httpx.HTTPError, ValueError):
            refuse("", "token_endpoint_unavailable")
        if response.status_code != httpx.codes.OK or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            refuse("", "code_exchange_refused", status=response.status_code, error=str(error)[:60])
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            refuse("", "no_id_token")
        return id_token
