"""A case as the API first looks at it: does it exist, and is it within the caller's teams (404 alike if not)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from states import CaseStatus
from workflows.bootstrap import App
from workflows.persistence import CaseNotFound, CaseRow
from workflows.services import Caller, require_visible

__all__ = ["REFERENCE_PATTERN", "CaseHead", "load_head", "require_case_visible"]

# Letters, digits, '-', '_' and '.', at most 64 (the column's width); anything else cannot name a case.
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
_cases = CaseRow.__table__


@dataclass(frozen=True)
class CaseHead:
    """What access and refusals need of a case: its policy, its team and its status."""

    reference: str
    authority: str
    team: str | None
    status: CaseStatus


def load_head(application: App, reference: str) -> CaseHead | None:
    """The case called `reference`, or None."""
    with application.engine.connect() as connection:
        row = connection.execute(
            select(_cases.c.authority, _cases.c.team, _cases.c.status).where(_cases.c.reference == reference)
        ).first()
    return None if row is None else CaseHead(reference, row.authority, row.team, CaseStatus(row.status))


def require_case_visible(application: App, caller: Caller, reference: str) -> CaseHead:
    """The case, if it exists and is within the caller's teams; otherwise not found (NotVisible or CaseNotFound,
    which the API answers alike)."""
    head = load_head(application, reference)
    if head is None:
        raise CaseNotFound(reference)
    require_visible(caller, application.policies[head.authority], reference, head.team)
    return head
