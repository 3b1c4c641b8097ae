"""A case's path from referral to a child protection plan in ten triggers, shared by the worker tests and the
dispatch benchmark so that both measure the same work."""

from __future__ import annotations

from datetime import date
from typing import Any

from states.case import Actor

SOCIAL_WORKER = Actor("sw-1", "social_worker")
TEAM_MANAGER = Actor("tm-1", "team_manager")
CHAIR = Actor("chair-1", "cp_chair")
BUSINESS_SUPPORT = Actor("bs-1", "business_support")
ICPC_WORK = (
    "refer_family_group_conference",
    "request_advocate",
    "chair_pre_meeting",
    "send_leaflet",
    "submit_agency_reports",
    "share_reports_with_family",
)
# (trigger, data, today, actor): a referral to a child protection plan in ten triggers.
TEN_TRIGGERS: tuple[tuple[str, dict[str, Any], date, Actor], ...] = (
    (
        "receive_referral",
        {"referral_date": "2026-11-02", "date_of_birth": "2016-05-01"},
        date(2026, 11, 2),
        SOCIAL_WORKER,
    ),
    ("start_s47", {"strategy_discussion_date": "2026-11-03"}, date(2026, 11, 3), SOCIAL_WORKER),
    ("convene_icpc", {"decision_date": "2026-11-04", "conference_date": "2026-11-24"}, date(2026, 11, 4), TEAM_MANAGER),
    *(
        ("complete_action", {"kind": k, "done_on": "2026-11-20"}, date(2026, 11, 20), BUSINESS_SUPPORT)
        for k in ICPC_WORK
    ),
    ("hold_icpc", {"date": "2026-11-24", "outcome": "cp_plan", "category": "NEG"}, date(2026, 11, 24), CHAIR),
)
