"""The HTTP API for case-management systems: cases, triggers, escalations, late work, health and metrics.

Every request but the health check authenticates with `Authorization: Bearer <token>` and acts as that member of
staff, in one role they hold, on the cases of their teams (see `workflows.services.access`). Refusals are RFC 9457
problem+json. Served by `caseflow api`; documented in docs/api.md.
"""

from workflows.api.app import API_PREFIX, OPENAPI_URL, create_app
from workflows.api.auth import ROLE_HEADER, member_for_token
from workflows.api.errors import (
    BodyInvalid,
    BodyTooLarge,
    CredentialsMissing,
    IdempotencyKeyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    RoleNotChosen,
    TeamNotYours,
    TriggerNotAllowedNow,
)
from workflows.api.idempotency import IDEMPOTENCY_HEADER
from workflows.api.middleware import MAX_BODY_BYTES
from workflows.api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_STATUS

__all__ = [
    "API_PREFIX",
    "IDEMPOTENCY_HEADER",
    "MAX_BODY_BYTES",
    "OPENAPI_URL",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_STATUS",
    "ROLE_HEADER",
    "BodyInvalid",
    "BodyTooLarge",
    "CredentialsMissing",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyReused",
    "RoleNotChosen",
    "TeamNotYours",
    "TriggerNotAllowedNow",
    "create_app",
    "member_for_token",
]
