"""OpenID Connect tokens from the authority's identity provider: checked, then mapped to an active member of staff.

A token is accepted only when all of this holds: it is a JWS signed with RS256 or ES256 (never `none`, never HS*:
a public key must not double as an HMAC secret) by a key in the provider's JWKS; `iss` is the configured issuer;
`aud` holds the expected audience; `exp` is in the future and `nbf`/`iat` are not, within a minute's leeway for
clocks that drift; the configured claim holds a staff id; that member of staff is active. Every refusal is a
TokenRefused whose reason goes to the log with the token's `kid` and `iss`, never the token, and never the claim's
value unless it is a well-formed staff id (it may be a UPN, which is personal).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn

import jwt
from sqlalchemy import Engine

from workflows.logs import get_logger
from workflows.services.errors import TokenRefused
from workflows.services.jwks import ACCEPTED_ALGORITHMS, KeySet
from workflows.services.staff import StaffMember, load_member
from workflows.services.staff_fields import id_problem
from workflows.settings import utc_now

__all__ = ["LEEWAY_SECONDS", "OidcVerifier", "refuse"]

LEEWAY_SECONDS = 60
# Real tokens are 1-3 kB; anything far larger is refused before any parsing.
MAX_TOKEN_CHARS = 16_384
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.PyJWTError, "malformed"),
)
LOGGER = "caseflow.oidc"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


def _claimed(token: str) -> tuple[str | None, str | None]:
    """The `kid` and `iss` a token claims, unverified, for the log only; None where unreadable."""
    try:
        kid, iss = jwt.get_unverified_header(token).get("kid"), jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, None
    issuer = iss.get("iss") if isinstance(iss, dict) else None
    return (kid[:100] if isinstance(kid, str) else None), (issuer[:200] if isinstance(issuer, str) else None)


def refuse(token: str, reason: str, **context: object) -> NoReturn:
    """Log why a bearer token was refused (with its `kid` and `iss`, never the token) and raise TokenRefused."""
    kid, iss = _claimed(token) if len(token) <= MAX_TOKEN_CHARS else (None, None)
    _log().warning("oidc_token_refused", reason=reason, kid=kid, iss=iss, **context)
    raise TokenRefused(None, reason)


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(name)
    return float(value)


class OidcVerifier:
    """Checks the provider's tokens against its keys, then finds the member of staff a token names."""

    def __init__(self, issuer: str, keys: KeySet, staff_claim: str, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._issuer, self._keys, self._staff_claim, self._clock = issuer, keys, staff_claim, clock

    def claims(self, token: str, *, audience: str, nonce: str | None = None) -> dict[str, Any]:
        """The token's claims once signature, issuer, audience, times (and `nonce`, when given) check out."""
        if len(token) > MAX_TOKEN_CHARS:
            refuse(token, "too_long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            refuse(token, "malformed")
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ACCEPTED_ALGORITHMS:
            refuse(token, "algorithm_not_accepted", alg=str(algorithm)[:20])
        if kid is not None and not isinstance(kid, str):
            refuse(token, "malformed")
        key = self._keys.key_for(kid)
        if key is None:
            refuse(token, "unknown_kid" if kid is not None else "no_kid_and_several_keys")
        if key.algorithm_name != algorithm:
            refuse(token, "algorithm_does_not_match_key", alg=algorithm)
        claims = self._decode(token, key, algorithm, audience)
        self._check_times(token, claims)
        if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            refuse(token, "nonce_mismatch")
        return claims

    def _decode(self, token: str, key: jwt.PyJWK, algorithm: str, audience: str) -> dict[str, Any]:
        # Times are checked below against our own clock (one clock, and one that tests can set), not PyJWT's.
        options: jwt.types.Options = {
            "require": ["exp", "iss", "aud"],
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        }
        try:
            return jwt.decode(
                token, key, algorithms=[algorithm], audience=audience, issuer=self._issuer, options=options
            )
        except jwt.PyJWTError as error:
            refuse(token, next(reason for kind, reason in _REASONS if isinstance(error, kind)))

    def _check_times(self, token: str, claims: Mapping[str, Any]) -> None:
        now = self._clock().timestamp()
        try:
            expires, not_before, issued = (_number(claims, name) for name in ("exp", "nbf", "iat"))
        except ValueError as error:
            refuse(token, "malformed", claim=str(error))
        if expires is None or now >= expires + LEEWAY_SECONDS:
            refuse(token, "expired")
        if not_before is not None and now + LEEWAY_SECONDS < not_before:
            refuse(token, "not_yet_valid")
        if issued is not None and now + LEEWAY_SECONDS < issued:
            refuse(token, "issued_in_the_future")

    def member(self, engine: Engine, token: str, *, audience: str, nonce: str | None = None) -> StaffMember:
        """The active member of staff a valid token names; TokenRefused otherwise."""
        return self.member_for(engine, token, self.claims(token, audience=audience, nonce=nonce))

    def member_for(self, engine: Engine, token: str, claims: Mapping[str, Any]) -> StaffMember:
        """The active member of staff that verified `claims` name through the staff claim; TokenRefused otherwise."""
        staff_id = claims.get(self._staff_claim)
        if not isinstance(staff_id, str) or id_problem(staff_id) is not None:
            refuse(token, "staff_claim_missing_or_not_a_staff_id", claim=self._staff_claim)
        with engine.connect() as connection:
            found = load_member(connection, staff_id)
        if found is None:
            refuse(token, "unknown_staff", staff_id=staff_id)
        if not found.active:
            refuse(token, "staff_inactive", staff_id=staff_id)
        return found
