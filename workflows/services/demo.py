"""A demo caseload: a few hundred clearly fictional cases in every status, some late, from a fixed seed.

Every case is built by firing real triggers through CaseService, dated in the past relative to `today`, so
statuses, actions, due dates, audit events and outbox rows are exactly what production would hold. References
are DEMO-0001, DEMO-0002, ...; there are no names, dates of birth are random, and staff are `demo-*` ids with
`@example.org` e-mails.
Earlier outbox rows of each case are back-filled history and are marked delivered; only each case's latest
transition goes to the case-transition flow, so the backlog is one run per case.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, func, select, update

from states.actions import COMPLETED_BY_TRIGGER
from states.case import Actor, Case
from states.lifecycle import CaseStatus
from states.policy import Policy
from states.trigger_step import age_on
from states.working_days import WorkingDayCalendar
from workflows.persistence import CaseRow, OutboxRow, make_session_factory
from workflows.services.case_service import CaseService
from workflows.services.demo_episodes import EPISODE_EVERY, episode_steps
from workflows.services.errors import DemoTooSmall
from workflows.services.staff import StaffDirectory
from workflows.services.staff_fields import StaffEntry, known_roles
from workflows.services.staff_passwords import StaffPasswords
from workflows.settings import utc_now

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SIZE",
    "DEMO_PREFIX",
    "DEMO_STAFF",
    "DemoReport",
    "DemoTooSmall",
    "is_empty",
    "load_demo",
]

DEMO_PREFIX = "DEMO-"
DEFAULT_SIZE = 300
DEFAULT_SEED = 4200
TEAMS = ("north", "south", "east")
OVERRIDE_REASON = "demo caseload: back-filled history"
# Chance that an action due before the next trigger was done on time; lower for what is due now, so some are late.
ON_TIME, ON_TIME_LATELY = 0.9, 0.6
# Most planning records the decision on the child's participation the day the conference is booked; the rest leave
# it open, to be chased.
PARTICIPATION_DECIDED = 0.8
# The roles the demo's history is fired as (one demo actor per role of the default policy, e.g. demo-social-worker).
DEMO_ROLES = ("social_worker", "cp_chair", "team_manager", "service_manager", "head_of_service", "business_support")


def _demo_member(staff_id: str, role: str, teams: tuple[str, ...]) -> StaffEntry:
    return StaffEntry(staff_id, f"{staff_id}@example.org", (role,), teams)


# Managers the escalation form can be tried with (one team manager per team, and the service-wide roles), and the
# actors the history was fired as, over every demo team.
DEMO_STAFF: tuple[StaffEntry, ...] = (
    *(_demo_member(f"demo-tm-{team}", "team_manager", (team,)) for team in TEAMS),
    _demo_member("demo-sm", "service_manager", ()),
    _demo_member("demo-hos", "head_of_service", ()),
    *(_demo_member(f"demo-{role.replace('_', '-')}", role, TEAMS) for role in DEMO_ROLES),
)
# The demo manager who signs in to the console (`caseflow up` prints the staff id and password).
DEMO_CONSOLE_MANAGER = "demo-tm-north"
# How many cases of each status, per hundred: every status present, most cases in the busy middle.
STATUS_WEIGHTS: Mapping[CaseStatus, int] = {
    CaseStatus.REFERRED: 12,
    CaseStatus.S47_ENQUIRY: 14,
    CaseStatus.ICPC_PLANNING: 14,
    CaseStatus.CHILD_ONLY_CONFERENCE: 5,
    CaseStatus.CORE_GROUPS: 22,
    CaseStatus.REVIEW_PLANNING: 8,
    CaseStatus.CIN_PLAN: 10,
    CaseStatus.CLOSED: 15,
}
_cases, _outbox = CaseRow.__table__, OutboxRow.__table__


@dataclass(frozen=True)
class DemoReport:
    """What was loaded: cases, triggers fired, cases per status, cases with an action already overdue, and the
    console sign-in of the demo's north team manager (shown once: only its hash is stored)."""

    cases: int
    triggers: int
    by_status: dict[str, int]
    late: int
    console_staff_id: str = ""
    console_password: str = ""


@dataclass
class _Step:
    on: date
    offset: int
    trigger: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Path:
    """One case's history as offsets in days from its referral; `conference` is the planned conference offset."""

    steps: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    conference: int | None = None

    def add(self, offset: int, trigger: str, **data: Any) -> int:
        self.steps.append((offset, trigger, data))
        return offset


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no case at all (the demo loads only then)."""
    with engine.connect() as connection:
        return not connection.execute(select(func.count()).select_from(_cases)).scalar()


def _to_s47(path: _Path, rng: random.Random) -> int:
    return path.add(rng.randint(0, 1), "start_s47")


def _to_planning(path: _Path, rng: random.Random) -> int:
    decided = path.add(_to_s47(path, rng) + rng.randint(3, 8), "convene_icpc")
    path.conference = decided + rng.randint(10, 14)
    booked = path.add(decided + 1, "set_conference_date")
    if rng.random() < PARTICIPATION_DECIDED:
        path.add(booked, "record_child_participation")
    return booked


def _to_plan(path: _Path, rng: random.Random, outcome: str = "cp_plan") -> int:
    _to_planning(path, rng)
    assert path.conference is not None
    held = path.add(path.conference, "hold_icpc", outcome=outcome)
    if outcome == "cp_plan":
        held = path.add(held + rng.randint(7, 10), "hold_core_group")
        if rng.random() < 0.6:
            held = path.add(held + rng.randint(1, 5), "record_visit", child_seen=True, seen_alone=rng.random() < 0.5)
    return held


def _path(status: CaseStatus, rng: random.Random) -> _Path:
    """The triggers (and their offsets) that take a new case to `status`."""
    path = _Path()
    path.add(0, "receive_referral")
    if status is CaseStatus.S47_ENQUIRY:
        _to_s47(path, rng)
    elif status is CaseStatus.ICPC_PLANNING:
        _to_planning(path, rng)
    elif status is CaseStatus.CHILD_ONLY_CONFERENCE:
        start = _to_planning(path, rng)
        path.add(start + 1, "arrange_child_only_conference")
    elif status is CaseStatus.CORE_GROUPS:
        _to_plan(path, rng)
    elif status is CaseStatus.REVIEW_PLANNING:
        path.add(_to_plan(path, rng) + rng.randint(20, 40), "convene_review")
    elif status is CaseStatus.CIN_PLAN:
        if rng.random() < 0.5:
            path.add(_to_s47(path, rng) + rng.randint(3, 10), "icpc_not_required", outcome="cin_plan")
        else:
            _to_plan(path, rng, outcome="cin_plan")
    elif status is CaseStatus.CLOSED:
        _to_closed(path, rng)
    return path


def _to_closed(path: _Path, rng: random.Random) -> None:
    route = rng.randrange(3)
    if route == 0:
        path.add(rng.randint(0, 1), "close_no_further_action", reason="demo: no further action")
    elif route == 1:
        path.add(_to_s47(path, rng) + rng.randint(3, 10), "icpc_not_required", outcome="no_further_action")
    else:
        path.add(_to_plan(path, rng) + rng.randint(30, 90), "end_plan", reason="transferred_out", outcome="close")


def _slack(rng: random.Random) -> int:
    """Days the case has sat in its status since its last trigger: mostly fresh, some long enough to be late."""
    return rng.randint(0, 1) if rng.random() < 0.7 else rng.randint(5, 45)


# The date `offset` days after the referral, moved to a working day: people meet, visit and decide on working
# days, and moving every date back the same way keeps a case's history in order and never after today.
_Workday = Callable[[int], date]


def _working_day_at(calendar: WorkingDayCalendar, referral: date, offset: int) -> date:
    return calendar.on_or_before(referral + timedelta(days=offset))


def _participation(birth: date, conference: date, invite_from: int) -> dict[str, Any]:
    """The policy's default decision for the child's age on the conference day: attending, or views by letter."""
    if age_on(birth, conference) >= invite_from:
        return {"invited": True, "how": ["in_person"], "advocate": False}
    return {"invited": False, "how": ["views_by_letter"], "advocate": False}


def _data(step: _Step, path: _Path, workday: _Workday, team: str, birth: date, invite_from: int) -> dict[str, Any]:
    conference = workday(path.conference) if path.conference is not None else None
    on, data = step.on, dict(step.data)
    match step.trigger:
        case "receive_referral":
            data.update(referral_date=on, date_of_birth=birth, team=team)
        case "start_s47":
            data.update(strategy_discussion_date=on)
        case "convene_icpc" | "start_pre_proceedings":
            data.update(decision_date=on)
        case "set_conference_date":
            data.update(conference_date=conference)
        case "arrange_child_only_conference":
            assert path.conference is not None
            data.update(date=workday(path.conference - 3), chair_decided_on=on, in_childs_interests=True)
        case "hold_icpc" if data["outcome"] == "cp_plan":
            data.update(date=on, category="NEG")
        case "record_child_participation":
            data.update(_participation(birth, conference or on, invite_from))
        case "convene_review":
            data.update(conference_date=workday(step.offset + 21))
        case _:
            data.update(date=on)
    return data


class _Loader:
    """Fires one case's triggers, completing the work a leaving trigger would otherwise refuse over."""

    def __init__(self, service: CaseService, policy: Policy, rng: random.Random) -> None:
        self._service, self._policy, self._rng = service, policy, rng
        self.calendar = policy.calendar()
        self.invite_from = policy.ages.invite_to_conference_from
        self.triggers = 0

    def actor(self, trigger: str, preferred: str | None = None) -> Actor:
        roles = self._policy.permissions.get(trigger, [])
        role = preferred if preferred in roles else next(iter(roles), "social_worker")
        return Actor(id=f"demo-{role.replace('_', '-')}", role=role)

    def fire(self, reference: str, trigger: str, data: dict[str, Any], on: date) -> Case:
        self.triggers += 1
        return self._service.fire(reference, trigger, data, self.actor(trigger), on, authority="default").case

    def do_work(self, reference: str, case: Case, until: date, chance: float) -> Case:
        """Complete, on its due date, each open action due by `until`, with `chance`: mostly on time, some not."""
        for action in case.open_actions():
            if action.kind in COMPLETED_BY_TRIGGER or action.due_on > until or self._rng.random() >= chance:
                continue
            data = {"kind": action.kind, "done_on": max(action.due_on, action.opened_on)}
            self.triggers += 1
            actor = self.actor("complete_action", action.owner_role)
            case = self._service.fire(reference, "complete_action", data, actor, until).case
        return case


_LEAVING = frozenset({"hold_icpc", "end_plan", "icpc_not_required", "close_no_further_action"})


def _load_case(loader: _Loader, index: int, status: CaseStatus, today: date, rng: random.Random) -> bool:
    """Build one case; True when it ends with an action already overdue."""
    path = _path(status, rng)
    if status in (CaseStatus.CORE_GROUPS, CaseStatus.CIN_PLAN) and index % EPISODE_EVERY == 0:
        last = max(offset for offset, _, _ in path.steps)
        episode_steps(path.add, last, index // EPISODE_EVERY, cp_plan=status is CaseStatus.CORE_GROUPS)
    last = max(offset for offset, _, _ in path.steps)
    referral = today - timedelta(days=last + _slack(rng))
    workday = partial(_working_day_at, loader.calendar, referral)
    team = rng.choice(TEAMS)
    age_days = rng.randint(9 * 365, 15 * 365)  # 9-15: old enough for a child-only conference
    birth = referral - timedelta(days=age_days)
    reference = f"{DEMO_PREFIX}{index:04d}"
    case: Case | None = None
    for offset, trigger, extra in path.steps:
        step = _Step(workday(offset), offset, trigger, extra)
        data = _data(step, path, workday, team, birth, loader.invite_from)
        if case is not None:
            case = loader.do_work(reference, case, step.on, ON_TIME)
        if trigger in _LEAVING:
            data["override_reason"] = OVERRIDE_REASON
        case = loader.fire(reference, trigger, data, step.on)
    assert case is not None
    case = loader.do_work(reference, case, today, ON_TIME_LATELY)
    return any(action.due_on < today for action in case.open_actions())


def _add_staff(engine: Engine, policies: Mapping[str, Policy]) -> None:
    directory = StaffDirectory(engine, known_roles(policies))
    known = {member.id for member in directory.members()}
    for entry in DEMO_STAFF:
        if entry.id not in known:
            directory.add(entry)


def _settle_history(engine: Engine) -> None:
    """Mark every demo outbox row but each case's latest delivered: the past needs no follow-up runs now."""
    with engine.begin() as connection:
        latest = (
            select(func.max(_outbox.c.id))
            .where(_outbox.c.case_reference.startswith(DEMO_PREFIX))
            .group_by(_outbox.c.case_reference)
        )
        connection.execute(
            update(_outbox)
            .where(_outbox.c.case_reference.startswith(DEMO_PREFIX), _outbox.c.id.not_in(latest))
            .values(delivered_at=utc_now())
        )


def load_demo(
    engine: Engine, policies: Mapping[str, Policy], today: date, *, size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED
) -> DemoReport:
    """Load `size` fictional cases into the database as of `today`; the same seed gives the same caseload."""
    if size < len(STATUS_WEIGHTS):
        raise DemoTooSmall(f"demo caseload of {size} cases: at least {len(STATUS_WEIGHTS)} are needed, one per status")
    rng = random.Random(seed)
    service = CaseService(make_session_factory(engine), policies, default_authority="default")
    loader = _Loader(service, policies["default"], rng)
    statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=size)
    statuses[: len(STATUS_WEIGHTS)] = list(STATUS_WEIGHTS)  # every status at least once, whatever the size
    late = sum(_load_case(loader, index, status, today, rng) for index, status in enumerate(statuses, start=1))
    _add_staff(engine, policies)
    _settle_history(engine)
    # A fresh password per demo load: the demo's data is fictional, but the console may listen beyond loopback.
    password = secrets.token_urlsafe(12)
    StaffPasswords(engine).set(DEMO_CONSOLE_MANAGER, password)
    by_status = Counter(status.value for status in statuses)
    return DemoReport(
        cases=size,
        triggers=loader.triggers,
        by_status=dict(sorted(by_status.items())),
        late=late,
        console_staff_id=DEMO_CONSOLE_MANAGER,
        console_password=password,
    )
