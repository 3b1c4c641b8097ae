"""A caseload for the statutory returns, built by firing real triggers through CaseService (default policy).

Every date below was counted by hand on the calendar (England bank holidays: 2026-04-03, 04-06, 05-04, 05-25,
08-31, 12-25, 12-28; 2027-01-01, 03-26, 03-29; day 0 = the anchor day, the default policy's convention).

CF0001  referral Mon 2026-06-01, strategy discussion Tue 06-02, ICPC not required -> CIN plan Fri 06-19,
        CIN plan closed Mon 11-30.
CF0002  born 2014-03-10; referral Mon 2026-04-13, strategy discussion Tue 04-14 (ICPC target: 15 WD later is
        Wed 05-06, Mon 05-04 being a bank holiday); conference decided Wed 04-15 for Fri 05-01; child-only
        conference Mon 04-27; reports shared Wed 04-29 (due Wed 04-29: 2 WD before Fri 05-01); ICPC Fri 05-01
        -> CP plan, neglect; first core group Tue 05-12 (due Mon 05-18); visits Fri 05-08 (seen alone) and
        Thu 05-21; minutes Wed 05-20 (due Tue 05-26: 15 WD after 05-01, Mon 05-25 a bank holiday); review
        Wed 07-29 (due Fri 07-31: 3 months is Sat 08-01, back to Friday) changes the category to emotional
        abuse; review Wed 2027-01-20 (due Fri 2027-01-29) ends the plan and closes the case.
CF0003  born 2019-02-02; referral Mon 2026-09-07, strategy discussion Tue 09-08 (target Tue 09-29), ICPC
        Tue 10-06 (late) -> CIN plan, still open on 2027-03-31.
CF0004  born 2012-01-15; referral Mon 2024-04-08, strategy discussion Tue 04-09, ICPC Fri 2024-04-26 -> CP plan,
        physical abuse, reviewed every six months, still open on 2027-03-31 (two years on 2026-04-26);
        last visit Mon 2027-03-15 (seen alone).
CF0005  referral Mon 2026-05-11, closed with no further action Tue 05-12 (no strategy discussion).
CF0006  referral Mon 2026-10-05, strategy discussion Tue 10-06, ICPC not required, closed Tue 10-20.
CF0007  referral Mon 2025-01-06, closed with no further action Tue 2025-01-07: before the 2026-27 census year.

The second-plans caseload (build_second_plans): two children with two cases each, linked by the authority's
child id, and one hyphenated reference without a child id.

Child P4401 (sex F, born 2016-05-14, UPN T201000123456: LA code 201, check letter T as the DfE's UPN guide
        computes it, digits 2-13 weighted 2 to 13 sum to 246, remainder 16 after dividing by 23 -> T):
RC-0001 referral Mon 2026-04-20, strategy discussion Tue 04-21 (ICPC target Wed 05-13: 15 WD, Mon 05-04 a
        bank holiday), conference decided Wed 04-22 for Fri 05-08; ICPC Fri 05-08 -> CP plan, sexual abuse;
        review Wed 07-22 (due Fri 08-07: 3 months is Sat 08-08, back to Friday) ends the plan and the case.
RC-0002 referral Mon 2026-10-12, strategy discussion Tue 10-13 (target Tue 11-03), conference decided
        Wed 10-14 for Thu 10-29; ICPC Thu 10-29 -> CP plan, neglect: the child's second plan, open on 2027-03-31.
Child P5502 (sex M, no UPN, born 2013-09-09):
RC-0004 referral Mon 2025-01-13, strategy discussion Tue 01-14, conference decided Wed 01-15 for Fri 01-31;
        ICPC Fri 2025-01-31 -> CP plan, physical abuse; review Wed 2025-04-23 ends the plan and the case:
        all before the 2026-27 census year.
RC-0005 referral Mon 2026-11-09, strategy discussion Tue 11-10, conference decided Wed 11-11 for Wed 11-25;
        ICPC Wed 11-25 -> CP plan, emotional abuse: the child's second plan, open on 2027-03-31.
RC-0003 (no child id) referral Mon 2026-06-08, closed with no further action Tue 06-09.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from states.case import Actor
from workflows.persistence import load_all_policies, make_session_factory
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")
DEFAULT = POLICIES["default"]
OVERRIDE = "recorded late in the test caseload"


class Journey:
    """Fires one case's triggers in order, each by a role the default policy allows, on the day it happened."""

    def __init__(self, service: CaseService, reference: str) -> None:
        self.service = service
        self.reference = reference

    def fire(self, trigger: str, on: str, **data: Any) -> Journey:
        role = DEFAULT.permissions[trigger][0]
        self.service.fire(self.reference, trigger, data, Actor(f"{role}-1", role), date.fromisoformat(on))
        return self

    def done(self, kind: str, on: str) -> Journey:
        return self.fire("complete_action", on, kind=kind, done_on=on)


def _cf0001(service: CaseService) -> None:
    (
        Journey(service, "CF0001")
        .fire("receive_referral", "2026-06-01", referral_date="2026-06-01", date_of_birth="2017-08-20")
        .fire("start_s47", "2026-06-02", strategy_discussion_date="2026-06-02")
        .fire("icpc_not_required", "2026-06-19", outcome="cin_plan", date="2026-06-19")
        .fire("close_case", "2026-11-30", date="2026-11-30", reason="no longer in need")
    )


def _cf0002(service: CaseService) -> None:
    (
        Journey(service, "CF0002")
        .fire("receive_referral", "2026-04-13", referral_date="2026-04-13", date_of_birth="2014-03-10")
        .fire("start_s47", "2026-04-14", strategy_discussion_date="2026-04-14")
        .fire("convene_icpc", "2026-04-15", decision_date="2026-04-15", conference_date="2026-05-01")
        .done("request_advocate", "2026-04-16")
        .fire(
            "arrange_child_only_conference",
            "2026-04-16",
            date="2026-04-27",
            chair_decided_on="2026-04-16",
            in_childs_interests=True,
        )
        .fire(
            "hold_child_only_conference",
            "2026-04-27",
            date="2026-04-27",
            child_views="views",
            shared_with_conference="all",
            who_feeds_back="chair",
        )
        .done("send_leaflet", "2026-04-24")
        .done("submit_agency_reports", "2026-04-28")
        .done("share_reports_with_family", "2026-04-29")
        .done("chair_pre_meeting", "2026-04-30")
        .fire("hold_icpc", "2026-05-01", date="2026-05-01", outcome="cp_plan", category="NEG")
        .fire("record_visit", "2026-05-08", date="2026-05-08", child_seen=True, seen_alone=True)
        .fire("hold_core_group", "2026-05-12", date="2026-05-12")
        .done("circulate_minutes", "2026-05-20")
        .fire("record_visit", "2026-05-21", date="2026-05-21", child_seen=True, seen_alone=False)
        .fire("convene_review", "2026-07-01", conference_date="2026-07-29")
        .fire(
            "hold_review",
            "2026-07-29",
            date="2026-07-29",
            outcome="continue_plan",
            category="EMO",
            override_reason=OVERRIDE,
        )
        .fire("convene_review", "2026-12-01", conference_date="2027-01-20")
        .fire("hold_review", "2027-01-20", date="2027-01-20", outcome="end_plan_close", override_reason=OVERRIDE)
    )


def _cf0003(service: CaseService) -> None:
    (
        Journey(service, "CF0003")
        .fire("receive_referral", "2026-09-07", referral_date="2026-09-07", date_of_birth="2019-02-02")
        .fire("start_s47", "2026-09-08", strategy_discussion_date="2026-09-08")
        .fire("convene_icpc", "2026-09-10", decision_date="2026-09-10", conference_date="2026-10-06")
        # 7 years old: not invited (the default under 12), the child's views brought in a drawing
        .fire("record_child_participation", "2026-09-29", invited=False, how=["views_by_drawing"], advocate=False)
        .fire("hold_icpc", "2026-10-06", date="2026-10-06", outcome="cin_plan", override_reason=OVERRIDE)
    )


_CF0004_REVIEWS = ("2024-07-24", "2025-01-22", "2025-07-16", "2026-01-14", "2026-07-08", "2027-01-06")


def _cf0004(service: CaseService) -> None:
    journey = (
        Journey(service, "CF0004")
        .fire("receive_referral", "2024-04-08", referral_date="2024-04-08", date_of_birth="2012-01-15")
        .fire("start_s47", "2024-04-09", strategy_discussion_date="2024-04-09")
        .fire("convene_icpc", "2024-04-10", decision_date="2024-04-10", conference_date="2024-04-26")
        .fire("hold_icpc", "2024-04-26", date="2024-04-26", outcome="cp_plan", category="PHY", override_reason=OVERRIDE)
        .fire("hold_core_group", "2024-05-08", date="2024-05-08")
    )
    for held in _CF0004_REVIEWS:
        journey.fire("convene_review", held, conference_date=held)
        if held == _CF0004_REVIEWS[-1]:
            # 14 years old: invited (the default from 12), but took no part
            journey.fire("record_child_participation", held, invited=True, how=["none"], advocate=False)
        journey.fire("hold_review", held, date=held, outcome="continue_plan", override_reason=OVERRIDE)
    journey.fire("record_visit", "2027-03-15", date="2027-03-15", child_seen=True, seen_alone=True)


def _closed_at_referral(service: CaseService, reference: str, referral: str, closed: str) -> None:
    (
        Journey(service, reference)
        .fire("receive_referral", referral, referral_date=referral, date_of_birth="2015-10-01")
        .fire("close_no_further_action", closed, reason="no concerns", date=closed)
    )


def _cf0006(service: CaseService) -> None:
    (
        Journey(service, "CF0006")
        .fire("receive_referral", "2026-10-05", referral_date="2026-10-05", date_of_birth="2010-06-30")
        .fire("start_s47", "2026-10-06", strategy_discussion_date="2026-10-06")
        .fire("icpc_not_required", "2026-10-20", outcome="no_further_action", date="2026-10-20")
    )


def _plan_at_icpc(journey: Journey, enquiry: str, decided: str, icpc: str, category: str) -> Journey:
    """From the strategy discussion to an ICPC that starts a plan (the referral already fired)."""
    return (
        journey.fire("start_s47", enquiry, strategy_discussion_date=enquiry)
        .fire("convene_icpc", decided, decision_date=decided, conference_date=icpc)
        .fire("hold_icpc", icpc, date=icpc, outcome="cp_plan", category=category, override_reason=OVERRIDE)
    )


def _ended_at_first_review(journey: Journey, convened: str, held: str) -> None:
    (
        journey.fire("convene_review", convened, conference_date=held).fire(
            "hold_review",
            held,
            date=held,
            outcome="end_plan_close",
            override_reason=OVERRIDE,
            exceptional_reason="the family moved in with the other parent",
        )
    )


P4401 = {"child_id": "P4401", "sex": "F", "upn": "T201000123456", "date_of_birth": "2016-05-14"}
P5502 = {"child_id": "P5502", "sex": "M", "date_of_birth": "2013-09-09"}


def _referred(service: CaseService, reference: str, on: str, child: dict[str, str]) -> Journey:
    return Journey(service, reference).fire("receive_referral", on, referral_date=on, **child)


def build_second_plans(engine: Engine) -> CaseService:
    """Fire the second-plans caseload above into the database behind `engine`; returns the service used."""
    service = CaseService(make_session_factory(engine), POLICIES)
    first = _plan_at_icpc(
        _referred(service, "RC-0001", "2026-04-20", P4401), "2026-04-21", "2026-04-22", "2026-05-08", "SAB"
    )
    _ended_at_first_review(first, "2026-07-01", "2026-07-22")
    _plan_at_icpc(_referred(service, "RC-0002", "2026-10-12", P4401), "2026-10-13", "2026-10-14", "2026-10-29", "NEG")
    earlier = _plan_at_icpc(
        _referred(service, "RC-0004", "2025-01-13", P5502), "2025-01-14", "2025-01-15", "2025-01-31", "PHY"
    )
    _ended_at_first_review(earlier, "2025-04-01", "2025-04-23")
    _plan_at_icpc(_referred(service, "RC-0005", "2026-11-09", P5502), "2026-11-10", "2026-11-11", "2026-11-25", "EMO")
    _closed_at_referral(service, "RC-0003", "2026-06-08", "2026-06-09")
    return service


def build_caseload(engine: Engine) -> CaseService:
    """Fire the whole caseload above into the database behind `engine`; returns the service used."""
    service = CaseService(make_session_factory(engine), POLICIES)
    _cf0001(service)
    _cf0002(service)
    _cf0003(service)
    _cf0004(service)
    _closed_at_referral(service, "CF0005", "2026-05-11", "2026-05-12")
    _cf0006(service)
    _closed_at_referral(service, "CF0007", "2025-01-06", "2025-01-07")
    return service
