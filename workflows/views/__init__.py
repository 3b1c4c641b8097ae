"""What people read about cases: listings with lateness, one case in full, its timeline as a picture."""

from workflows.views.case_timeline import Phase, TimelineNotWritten, html_page, phases, write_timeline
from workflows.views.case_views import (
    CaseDetail,
    CaseFilter,
    CaseSummary,
    HistoryEntry,
    OverdueItem,
    UnknownStatus,
    as_json,
    case_detail,
    list_cases,
    overdue_actions,
    overdue_counts,
    shareable_facts,
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
