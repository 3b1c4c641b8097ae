"""How the case listing sorts: by any of its columns, either way; cases without a value (no next due date) last."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from workflows.views import CaseSummary

__all__ = ["SORTS", "sorted_cases"]

SORTS: dict[str, Callable[[CaseSummary], Any]] = {
    "reference": lambda case: case.reference,
    "team": lambda case: case.team or "",
    "status": lambda case: case.status,
    "open_actions": lambda case: case.open_actions,
    "late_actions": lambda case: case.overdue_actions,
    "days_late": lambda case: case.most_working_days_late,
    "next_due": lambda case: case.next_due_on or date.max,
}


def sorted_cases(cases: Sequence[CaseSummary], sort: str, descending: bool) -> list[CaseSummary]:
    """`cases` ordered by the column `sort` (a SORTS key), then by reference; reversed when `descending`."""
    key = SORTS[sort]
    return sorted(cases, key=lambda case: (key(case), case.reference), reverse=descending)
