"""The identity provider's signing keys (its JWKS), fetched once and kept, fetched again for a key not seen yet.

Providers rotate keys by publishing the new one before signing with it, so a token naming an unknown `kid` is the
signal to look again, not a refusal at once. Looking again is bounded (at most once a minute): otherwise anyone
could make caseflow hammer the provider by sending tokens with made-up key ids. Keys are also looked up again once
they are an hour old, so a key the provider withdrew stops being trusted. Only keys for the algorithms we accept
are kept: RSA for RS256 and P-256 for ES256; a symmetric (`oct`) key in a published set is ignored, so a token
"signed" with HS256 has nothing to be checked against.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from workflows.logs import get_logger

__all__ = ["ACCEPTED_ALGORITHMS", "KeySet", "fetch_json"]

# What each accepted algorithm needs of a key: its type and, for EC, its curve. Never "none", never HS*.
ACCEPTED_ALGORITHMS: Mapping[str, tuple[str, str | None]] = {"RS256": ("RSA", None), "ES256": ("EC", "P-256")}
MIN_REFRESH_SECONDS = 60.0
MAX_AGE_SECONDS = 3600.0
FETCH_TIMEOUT_SECONDS = 5.0
LOGGER = "caseflow.oidc"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


def fetch_json(url: str) -> Any:
    """A JSON document from the identity provider; httpx.HTTPError or ValueError when it cannot be had."""
    response = httpx.get(url, timeout=FETCH_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    response.raise_for_status()
    return response.json()


def _usable(jwk: Mapping[str, Any]) -> PyJWK | None:
    """The key bound to the one algorithm it may verify, or None for a key we do not accept."""
    if jwk.get("use", "sig") != "sig":
        return None
    for algorithm, (kty, curve) in ACCEPTED_ALGORITHMS.items():
        if jwk.get("kty") == kty and jwk.get("crv") == curve and jwk.get("alg", algorithm) == algorithm:
            try:
                return PyJWK(dict(jwk), algorithm)
            except PyJWKError:
                return None
    return None


def _keys(document: Any) -> dict[str | None, PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document (no 'keys' list)")
    found: dict[str | None, PyJWK] = {}
    for jwk in document["keys"]:
        key = _usable(jwk) if isinstance(jwk, dict) else None
        if key is not None:
            found[jwk.get("kid")] = key
    return found


class KeySet:
    """The keys tokens are checked against, read from a URL or a file."""

    def __init__(self, source: str | Path, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._source, self._monotonic = source, monotonic
        self._keys: dict[str | None, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key_for(self, kid: str | None) -> PyJWK | None:
        """The key named `kid` (with no `kid`, the set's only key), or None; looks again (bounded) for a key not
        seen yet."""
        with self._lock:
            if self._stale():
                self._refresh()
            key = self._pick(kid)
            if key is None and self._may_refresh():
                self._refresh()
                key = self._pick(kid)
        return key

    def _pick(self, kid: str | None) -> PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        # A provider with a single key may leave `kid` out of its tokens; with several, which one is meant is unknown.
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _stale(self) -> bool:
        return self._fetched_at is None or self._monotonic() - self._fetched_at >= MAX_AGE_SECONDS

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self._monotonic() - self._fetched_at >= MIN_REFRESH_SECONDS

    def _refresh(self) -> None:
        # The attempt counts even when it fails: a provider that is down is not asked again on every request.
        self._fetched_at = self._monotonic()
        try:
            document = (
                json.loads(self._source.read_text()) if isinstance(self._source, Path) else fetch_json(self._source)
            )
            self._keys = _keys(document)
        except (OSError, ValueError, httpx.HTTPError) as error:
            # The keys already held stay in use: a provider's blip must not sign everyone out.
            _log().warning("oidc_jwks_unavailable", problem=f"{type(error).__name__}: {error}".splitlines()[0])
            return
        _log().info("oidc_jwks_loaded", keys=sorted(str(kid) for kid in self._keys))
