"""What people read about cases: listings with lateness, one case in full, its timeline as a picture."""

from workflows.views.case_detail import CaseDetail, HistoryEntry, case_detail, shareable_facts
from workflows.views.case_timeline import Phase, html_page, phases, write_timeline
from workflows.views.errors import TimelineNotWritten, UnknownStatus
from workflows.views.listings import (
    CaseFilter,
    CaseSummary,
    OverdueItem,
    as_json,
    list_cases,
    overdue_actions,
    overdue_counts,
)

__all__ = [
    "CaseDetail",
    "CaseFilter",
    "CaseSummary",
    "HistoryEntry",
    "OverdueItem",
    "Phase",
    "TimelineNotWritten",
    "UnknownStatus",
    "as_json",
    "case_detail",
    "html_page",
    "list_cases",
    "overdue_actions",
    "overdue_counts",
    "phases",
    "shareable_facts",
    "write_timeline",
]
