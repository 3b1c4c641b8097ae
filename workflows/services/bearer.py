"""Who a bearer token belongs to: our own API tokens and the identity provider's JWTs, through one entry point."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from workflows.services.api_tokens import PREFIX, authenticate
from workflows.services.errors import OidcNotConfigured
from workflows.services.jwks import KeySet
from workflows.services.oidc import OidcVerifier, refuse
from workflows.services.staff import StaffMember
from workflows.settings import Settings

__all__ = ["bearer_member", "verifier_for"]


def bearer_member(engine: Engine, settings: Settings, token: str) -> StaffMember:
    """The active member of staff a bearer token names: an API token (`cf_...`) or, when OIDC is configured, a JWT
    from the identity provider; TokenRefused for anything else."""
    if token.startswith(f"{PREFIX}_"):
        return authenticate(engine, token)
    if settings.oidc_audience is None or not settings.oidc_enabled:
        refuse(token, "oidc_not_configured")
    return verifier_for(settings).member(engine, token, audience=settings.oidc_audience)


def verifier_for(settings: Settings) -> OidcVerifier:
    """The verifier for the configured provider, one per process so its keys are fetched once; OidcNotConfigured
    when CASEFLOW_OIDC_ISSUER is unset."""
    if settings.oidc_issuer is None:
        raise OidcNotConfigured("OpenID Connect is not configured: set CASEFLOW_OIDC_ISSUER and the settings it needs")
    source = settings.oidc_jwks_file or settings.oidc_jwks_url
    if source is None:  # the settings refuse an issuer without a JWKS; this keeps the type checker informed
        raise OidcNotConfigured("OpenID Connect: set CASEFLOW_OIDC_JWKS_URL or CASEFLOW_OIDC_JWKS_FILE")
    return _verifier(settings.oidc_issuer, source, settings.oidc_staff_claim)


@lru_cache(maxsize=4)
def _verifier(issuer: str, source: str | Path, staff_claim: str) -> OidcVerifier:
    # Keyed on what defines a provider, not on the whole settings: a test's or a reload's settings object differs.
    return OidcVerifier(issuer, KeySet(source), staff_claim)
