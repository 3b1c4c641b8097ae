"""What the database layer reports: a row it was asked for is missing, or was changed by someone else first."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["AuditKeyInvalid", "CaseNotFound", "ConcurrentUpdate", "OutboxRowMissing", "PrivateTextNotFound"]


class OutboxRowMissing(CaseflowError):
    """The outbox row or its case is not in the database."""


class ConcurrentUpdate(CaseflowError):
    """Someone else changed the case between this trigger's read and its write; nothing of this one was saved."""

    def __init__(self, case_ref: str, expected_version: int | None) -> None:
        self.case_ref, self.expected_version = case_ref, expected_version
        seen = "did not exist" if expected_version is None else f"was at version {expected_version}"
        super().__init__(
            f"case {case_ref}: changed by someone else since it was read (it {seen}); nothing was saved, "
            "read the case again and retry"
        )


class CaseNotFound(CaseflowError):
    """No case has that reference."""

    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(f"case {case_ref}: not found (expected the reference of an existing case)")


class AuditKeyInvalid(CaseflowError):
    """The audit key file is missing, unreadable or not in the expected form."""


class PrivateTextNotFound(CaseflowError):
    """The case holds no live text for that field."""

    def __init__(self, case_ref: str, field: str) -> None:
        self.case_ref, self.field = case_ref, field
        super().__init__(f"case {case_ref}: no recorded text for field {field!r} to change")
