"""A caseload of pre-proceedings episodes before, inside and across the 2026-27 census year (1 Apr 2026 - 31 Mar
2027), fired through CaseService under the default policy. Each episode's steps, in the order fired:

PP0001  CP plan since the ICPC on Fri 2025-09-19 (reviews Wed 2025-12-10 and Wed 2026-06-10 continue it).
        Episode 1, wholly before the year: start Mon 2025-11-03, letter Fri 11-07 offering an FGDM, initial
        meeting Mon 11-17, FGDM held Thu 11-20, step down Mon 2026-01-12.
        Episode 2, across the year's start: start Mon 2026-02-02, letter Fri 02-06 offering no FGDM (one was
        held recently), initial meeting Mon 02-16, reviews Mon 03-30 and Mon 05-11, decision to issue Mon 06-01,
        court application Fri 06-05, letter initiating proceedings Mon 06-08.
PP0002  CP plan since the ICPC on Thu 2026-05-21; core groups Tue 06-02 and Tue 07-28 go on beside the track.
        Episode 1, inside the year: start Wed 07-01, letter Tue 07-07 offering an FGDM, initial meeting Tue 07-14,
        FGDM held Mon 07-20, reviews Tue 08-25 and Tue 10-06, step down Tue 11-03.
        Episode 2, across the year's end: start Mon 2027-03-01, letter Fri 03-05 offering an FGDM, initial
        meeting Mon 03-15; after 31 March: FGDM held Mon 04-12, decision to issue Tue 04-20, court application
        Thu 04-22 (the letter initiating proceedings not yet sent).
PP0003  CIN plan since Fri 2026-06-19. Episode inside the year: start Tue 09-01, letter Fri 09-04 offering no
        FGDM (not in the child's interests), initial meeting Mon 09-14, decision to issue Mon 10-12, court
        application Wed 10-14, letter initiating proceedings Thu 10-15.
PP0004  CIN plan since Fri 2026-06-26. Episode inside the year, ended by closing the case: start Tue 12-01,
        letter Fri 12-04 offering no FGDM (other reason), case closed Fri 2027-01-15.
"""

from __future__ import annotations

from sqlalchemy import Engine

from tests.integration.returns_caseload import OVERRIDE, POLICIES, Journey
from workflows.persistence import make_session_factory
from workflows.services import CaseService


def _cp_plan(service: CaseService, reference: str, born: str, days: tuple[str, str, str, str, str]) -> Journey:
    referral, enquiry, decided, icpc, category = days
    return (
        Journey(service, reference)
        .fire("receive_referral", referral, referral_date=referral, date_of_birth=born)
        .fire("start_s47", enquiry, strategy_discussion_date=enquiry)
        .fire("convene_icpc", decided, decision_date=decided, conference_date=icpc)
        .fire("hold_icpc", icpc, date=icpc, outcome="cp_plan", category=category, override_reason=OVERRIDE)
    )


def _cin_plan(service: CaseService, reference: str, born: str, referral: str, enquiry: str, plan: str) -> Journey:
    return (
        Journey(service, reference)
        .fire("receive_referral", referral, referral_date=referral, date_of_birth=born)
        .fire("start_s47", enquiry, strategy_discussion_date=enquiry)
        .fire("icpc_not_required", plan, outcome="cin_plan", date=plan, override_reason=OVERRIDE)
    )


def _review(journey: Journey, held: str) -> Journey:
    journey.fire("convene_review", held, conference_date=held)
    return journey.fire("hold_review", held, date=held, outcome="continue_plan", override_reason=OVERRIDE)


def _start_and_letter(journey: Journey, start: str, letter: str, not_offered_reason: str | None = None) -> Journey:
    offer = {"fgdm_offered": True} if not_offered_reason is None else {"fgdm_offered": False}
    reason = {} if not_offered_reason is None else {"fgdm_not_offered_reason": not_offered_reason}
    return journey.fire("start_pre_proceedings", start, decision_date=start).fire(
        "send_letter_before_proceedings", letter, date=letter, **offer, **reason
    )


def _dated(journey: Journey, trigger: str, on: str, **data: str) -> Journey:
    return journey.fire(trigger, on, date=on, **data)


def _pp0001(service: CaseService) -> None:
    journey = _cp_plan(service, "PP0001", "2015-02-11", ("2025-09-01", "2025-09-02", "2025-09-03", "2025-09-19", "NEG"))
    _start_and_letter(journey, "2025-11-03", "2025-11-07")
    _dated(journey, "hold_pre_proceedings_meeting", "2025-11-17")
    _dated(journey, "record_fgdm", "2025-11-20", outcome="held")
    _review(journey, "2025-12-10")
    _dated(journey, "decide_pre_proceedings", "2026-01-12", outcome="step_down")
    _start_and_letter(journey, "2026-02-02", "2026-02-06", "fgdm_held_recently")
    for meeting in ("2026-02-16", "2026-03-30", "2026-05-11"):
        _dated(journey, "hold_pre_proceedings_meeting", meeting)
    _dated(journey, "decide_pre_proceedings", "2026-06-01", outcome="issue_proceedings")
    _dated(journey, "apply_to_court", "2026-06-05")
    _dated(journey, "send_letter_initiating_proceedings", "2026-06-08")
    _review(journey, "2026-06-10")


def _pp0002(service: CaseService) -> None:
    journey = _cp_plan(service, "PP0002", "2016-07-04", ("2026-05-05", "2026-05-06", "2026-05-07", "2026-05-21", "PHY"))
    _dated(journey, "hold_core_group", "2026-06-02")
    _start_and_letter(journey, "2026-07-01", "2026-07-07")
    _dated(journey, "hold_pre_proceedings_meeting", "2026-07-14")
    _dated(journey, "record_fgdm", "2026-07-20", outcome="held")
    _dated(journey, "hold_core_group", "2026-07-28")
    for meeting in ("2026-08-25", "2026-10-06"):
        _dated(journey, "hold_pre_proceedings_meeting", meeting)
    _dated(journey, "decide_pre_proceedings", "2026-11-03", outcome="step_down")
    _start_and_letter(journey, "2027-03-01", "2027-03-05")
    _dated(journey, "hold_pre_proceedings_meeting", "2027-03-15")
    _dated(journey, "record_fgdm", "2027-04-12", outcome="held")
    _dated(journey, "decide_pre_proceedings", "2027-04-20", outcome="issue_proceedings")
    _dated(journey, "apply_to_court", "2027-04-22")


def _pp0003(service: CaseService) -> None:
    journey = _cin_plan(service, "PP0003", "2014-11-20", "2026-06-01", "2026-06-02", "2026-06-19")
    _start_and_letter(journey, "2026-09-01", "2026-09-04", "not_in_childs_interests")
    _dated(journey, "hold_pre_proceedings_meeting", "2026-09-14")
    _dated(journey, "decide_pre_proceedings", "2026-10-12", outcome="issue_proceedings")
    _dated(journey, "apply_to_court", "2026-10-14")
    _dated(journey, "send_letter_initiating_proceedings", "2026-10-15")


def _pp0004(service: CaseService) -> None:
    journey = _cin_plan(service, "PP0004", "2013-03-03", "2026-06-08", "2026-06-09", "2026-06-26")
    _start_and_letter(journey, "2026-12-01", "2026-12-04", "other")
    journey.fire("close_case", "2027-01-15", date="2027-01-15", reason="moved to another area")


def build_pre_proceedings(engine: Engine) -> CaseService:
    """Fire the episodes above into the database behind `engine`; returns the service used."""
    service = CaseService(make_session_factory(engine), POLICIES)
    for build in (_pp0001, _pp0002, _pp0003, _pp0004):
        build(service)
    return service
