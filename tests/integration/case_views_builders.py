"""Builders for the case view, timeline and CLI tests: a small caseload fired through the real case service.

Calendar 2026-27: bank holidays Fri 25 Dec, Mon 28 Dec, Fri 1 Jan; no others in January or early February.
- CP-VIEW-1 (team north): the documented example; a CP plan from the conference on Fri 8 Jan 2027; one sweep
  escalation and one manager escalation (with a private note), one notification.
- CP-VIEW-2 (team north): referred Mon 25 Jan 2027, closed the same day with a free-text reason.
- CP-VIEW-3 (team south): referred Mon 4 Jan 2027, section 47 enquiry from Tue 5 Jan; conference never convened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from states.case import Actor
from workflows.persistence import (
    ActionRow,
    CaseRow,
    EscalationRow,
    NotificationRow,
    load_all_policies,
    make_session_factory,
)
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")
AS_OF = date(2027, 2, 1)  # a Monday
DATE_OF_BIRTH = "2015-03-02"
CLOSURE_REASON = "Family moved to Leeds with grandmother"
NOTE = "Neighbour reports shouting at the flat on Friday night"
RECORDED = datetime(2027, 1, 29, 9, 0, tzinfo=UTC)

SOCIAL_WORKER = Actor("sw-1", "social_worker")
TEAM_MANAGER = Actor("tm-1", "team_manager")
CHAIR = Actor("chair-1", "cp_chair")
BUSINESS_SUPPORT = Actor("bs-1", "business_support")

# (on, trigger, data, actor) of the documented example, as CaseService takes them.
EXAMPLE: list[tuple[str, str, dict[str, Any], Actor]] = [
    (
        "2026-12-14",
        "receive_referral",
        {"referral_date": "2026-12-14", "date_of_birth": DATE_OF_BIRTH, "team": "north"},
        SOCIAL_WORKER,
    ),
    ("2026-12-16", "start_s47", {"strategy_discussion_date": "2026-12-16"}, SOCIAL_WORKER),
    ("2026-12-17", "convene_icpc", {"decision_date": "2026-12-17", "conference_date": "2027-01-08"}, TEAM_MANAGER),
    ("2026-12-18", "complete_action", {"kind": "request_advocate", "done_on": "2026-12-18"}, SOCIAL_WORKER),
    ("2026-12-31", "complete_action", {"kind": "send_leaflet", "done_on": "2026-12-31"}, BUSINESS_SUPPORT),
    ("2027-01-05", "complete_action", {"kind": "submit_agency_reports", "done_on": "2027-01-05"}, SOCIAL_WORKER),
    # Done one working day late (due Wed 6 Jan): the timeline marks it late.
    ("2027-01-07", "complete_action", {"kind": "share_reports_with_family", "done_on": "2027-01-07"}, SOCIAL_WORKER),
    ("2027-01-07", "complete_action", {"kind": "chair_pre_meeting", "done_on": "2027-01-07"}, CHAIR),
    ("2027-01-08", "hold_icpc", {"date": "2027-01-08", "outcome": "cp_plan", "category": "NEG"}, CHAIR),
    ("2027-01-11", "complete_action", {"kind": "send_decision_letter", "done_on": "2027-01-11"}, CHAIR),
]


def service(engine: Engine) -> CaseService:
    return CaseService(make_session_factory(engine), POLICIES)


def _fire(svc: CaseService, reference: str, on: str, trigger: str, data: dict[str, Any], actor: Actor) -> None:
    svc.fire(reference, trigger, data, actor, date.fromisoformat(on), authority="default")


def build_caseload(engine: Engine) -> None:
    """The three cases of this module's docstring, with escalations and a notification on CP-VIEW-1."""
    svc = service(engine)
    for on, trigger, data, actor in EXAMPLE:
        _fire(svc, "CP-VIEW-1", on, trigger, data, actor)
    _fire(
        svc,
        "CP-VIEW-2",
        "2027-01-25",
        "receive_referral",
        {"referral_date": "2027-01-25", "date_of_birth": "2019-07-07", "team": "north"},
        SOCIAL_WORKER,
    )
    _fire(svc, "CP-VIEW-2", "2027-01-25", "close_no_further_action", {"reason": CLOSURE_REASON}, TEAM_MANAGER)
    _fire(
        svc,
        "CP-VIEW-3",
        "2027-01-04",
        "receive_referral",
        {"referral_date": "2027-01-04", "date_of_birth": "2012-11-30", "team": "south"},
        SOCIAL_WORKER,
    )
    _fire(svc, "CP-VIEW-3", "2027-01-05", "start_s47", {"strategy_discussion_date": "2027-01-05"}, SOCIAL_WORKER)
    _add_escalations_and_notice(engine)


def _add_escalations_and_notice(engine: Engine) -> None:
    with engine.begin() as connection:
        case_id = connection.execute(select(CaseRow.id).where(CaseRow.reference == "CP-VIEW-1")).scalar_one()
        action_id, due_on = connection.execute(
            select(ActionRow.id, ActionRow.due_on).where(
                ActionRow.case_id == case_id, ActionRow.kind == "hold_first_core_group"
            )
        ).one()
        common = {"case_id": case_id, "created_at": RECORDED}
        # Sweep: due Fri 22 Jan, swept Fri 29 Jan = 5 working days overdue (25-29 Jan), the service manager's rung.
        connection.execute(
            insert(EscalationRow.__table__),
            {
                **common,
                "action_id": action_id,
                "level": "service_manager",
                "source": "sweep",
                "due_on": due_on,
                "working_days_overdue": 5,
                "swept_on": date(2027, 1, 29),
                "raised_on": date(2027, 1, 29),
            },
        )
        connection.execute(
            insert(EscalationRow.__table__),
            {
                **common,
                "action_id": None,
                "level": "head_of_service",
                "source": "manual",
                "raised_on": date(2027, 1, 27),
                "raised_by": "hos-1",
                "reason_code": "safety_concern",
                "note": NOTE,
            },
        )
        connection.execute(
            insert(NotificationRow.__table__),
            {
                "key": "CP-VIEW-1:10:reminder:1",
                "case_reference": "CP-VIEW-1",
                "kind": "reminder",
                "recipient_role": "social_worker",
                "action_id": action_id,
                "action_kind": "hold_first_core_group",
                "due_on": due_on,
                "created_at": RECORDED,
                "emailed_at": RECORDED,
                "email_attempts": 1,
            },
        )
