"""What a service refuses: one clear line each, with the context that explains it."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = [
    "DemoTooSmall",
    "EscalationRefused",
    "FollowUpFailed",
    "PolicyVersionMismatch",
    "ScenarioInvalid",
    "StaffExists",
    "UnknownCase",
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


class FollowUpFailed(CaseflowError):
    """A transition's follow-up failed at one of its steps; nothing of it was written (one transaction)."""

    def __init__(self, outbox_id: int, step: str, cause: Exception) -> None:
        self.outbox_id, self.step = outbox_id, step
        super().__init__(f"outbox row {outbox_id}: {step} failed: {type(cause).__name__}: {cause}".splitlines()[0])
