"""What a service refuses: one clear line each, with the context that explains it."""

from __future__ import annotations

from states.errors import CaseflowError, InvalidEventData

__all__ = [
    "DemoTooSmall",
    "EscalationRefused",
    "FollowUpFailed",
    "OidcNotConfigured",
    "OidcUnavailable",
    "PasswordInvalid",
    "PolicyVersionMismatch",
    "PrivacyRequestInvalid",
    "ScenarioInvalid",
    "StaffExists",
    "StaffImportInvalid",
    "StaffInactive",
    "StaffInvalid",
    "StaffNotFound",
    "TokenAlreadyRevoked",
    "TokenExpiryInvalid",
    "TokenNotFound",
    "TokenRefused",
    "UnknownCase",
    "WorkerNotAllocatable",
]


class DemoTooSmall(CaseflowError):
    """Too few cases asked for to show every status."""


class EscalationRefused(CaseflowError):
    """The escalation was not raised: who, which case, why; the refusal itself is audited."""

    def __init__(self, case_ref: str, manager_id: str, problem: str) -> None:
        self.case_ref, self.manager_id, self.problem = case_ref, manager_id, problem
        super().__init__(f"case {case_ref}: escalation by {manager_id} refused: {problem}")


class UnknownCase(CaseflowError):
    """No case has that reference (nothing to audit against)."""


class PolicyVersionMismatch(CaseflowError):
    """The policy loaded for an authority is not at the version a migration was asked to move to."""


class ScenarioInvalid(CaseflowError):
    """A scenario file that cannot be read or replayed; the message names the file and the place."""


class StaffExists(CaseflowError):
    """A staff record with that id already exists."""


class StaffNotFound(CaseflowError):
    """No staff record has that id."""


class StaffInvalid(CaseflowError):
    """A staff record's field holds what the directory does not accept; the message never repeats an e-mail."""


class StaffInactive(CaseflowError):
    """The member of staff is deactivated: they act on nothing and get no token."""


class StaffImportInvalid(CaseflowError):
    """A staff CSV file with bad rows, one line each (file, line, column, what was expected); nothing was saved."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source, self.problems = source, problems
        super().__init__("\n".join([f"{source}: nothing imported", *problems]))


class TokenNotFound(CaseflowError):
    """No API token has that id."""


class TokenAlreadyRevoked(CaseflowError):
    """The API token was revoked before."""


class TokenExpiryInvalid(CaseflowError):
    """An API token's lifetime outside the days allowed."""


class TokenRefused(CaseflowError):
    """An API token that does not authenticate. `reason` is for logs; whoever presented it is told only this."""

    def __init__(self, token_id: str | None, reason: str) -> None:
        self.token_id, self.reason = token_id, reason
        super().__init__("API token refused")


class OidcNotConfigured(CaseflowError):
    """Sign-in through the identity provider was asked for, but the CASEFLOW_OIDC_* settings it needs are unset."""


class OidcUnavailable(CaseflowError):
    """The identity provider could not be reached or gave a document we cannot use (the message says which)."""


class InputTooLong(CaseflowError):
    """An identifier given to a trigger is longer than the database keeps."""


class FollowUpFailed(CaseflowError):
    """A transition's follow-up failed at one of its steps; nothing of it was written (one transaction)."""

    def __init__(self, outbox_id: int, step: str, cause: Exception) -> None:
        self.outbox_id, self.step = outbox_id, step
        super().__init__(f"outbox row {outbox_id}: {step} failed: {type(cause).__name__}: {cause}".splitlines()[0])


class ActorRefused(CaseflowError):
    """Who claims to act is not an active member of staff holding the role they act in (the message names which)."""


class NotVisible(CaseflowError):
    """A case outside the caller's teams: reported exactly as a case that does not exist, so its existence stays
    hidden (the API's 404)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"case {reference}: not found")


class PasswordInvalid(CaseflowError):
    """A console password that cannot be set: too short, too long, or with control characters."""


class WorkerNotAllocatable(InvalidEventData):
    """A case allocated to someone who may not hold it: not an active social worker of the case's team (a refusal
    of the trigger, audited like the domain's own)."""


class PrivacyRequestInvalid(CaseflowError):
    """A rectification or erasure that cannot be made as asked (bad text, unknown reason code, no such field)."""
