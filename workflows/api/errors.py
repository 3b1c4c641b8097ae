"""What the HTTP API itself refuses, before or around the services: each becomes one problem+json answer."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = [
    "BodyInvalid",
    "BodyTooLarge",
    "CredentialsMissing",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyReused",
    "RoleNotChosen",
    "TeamNotYours",
    "TriggerNotAllowedNow",
]


class CredentialsMissing(CaseflowError):
    """No `Authorization: Bearer <token>` header, or one of another scheme."""


class RoleNotChosen(CaseflowError):
    """The caller holds several roles (or none) and named none in the `Caseflow-Role` header."""


class BodyTooLarge(CaseflowError):
    """A request body over the API's limit; refused before any of it is parsed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request body: more than {limit} bytes: expected at most {limit}")


class BodyInvalid(CaseflowError):
    """A request body that is not a JSON object, or holds a field of the wrong type; the message names the field."""


class TeamNotYours(CaseflowError):
    """A new case opened for a team outside the caller's teams."""


class TriggerNotAllowedNow(CaseflowError):
    """A trigger not allowed from the case's status (or unknown); the message lists the ones allowed now."""

    def __init__(self, message: str, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        super().__init__(message)


class IdempotencyKeyInvalid(CaseflowError):
    """An `Idempotency-Key` header that is empty, too long or not printable ASCII."""


class IdempotencyKeyReused(CaseflowError):
    """An `Idempotency-Key` sent again with another request (method, path or body) than the first."""


class IdempotencyKeyInProgress(CaseflowError):
    """An `Idempotency-Key` whose first request has not finished yet: retry after a moment."""
