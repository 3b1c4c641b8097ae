"""A policy: one authority's timescales, actions, permissions, ages, reminders and escalation ladder."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from states.errors import NotInPolicy, PolicyInvalid, PolicyNotFound
from states.timescales import IDENTIFIER, Conventions, Timescale
from states.working_days import ClosureDayInvalid, WorkingDayCalendar, YearlyClosure

__all__ = [
    "ActionRule",
    "AdvocatePolicy",
    "AgeRange",
    "Ages",
    "EscalationLevel",
    "NotInPolicy",
    "OnLeave",
    "Policy",
    "PolicyInvalid",
    "PolicyNotFound",
    "Reminders",
    "policy_from_mapping",
]

OWNER_LEVEL = "owner"
# Roles whose remit is the whole service, not one team: a service manager or head of service recorded with no
# team is over every team, and the sweep tells them in one digest for the service.
SERVICE_WIDE_ROLES = ("service_manager", "head_of_service")

Key = Annotated[str, StringConstraints(pattern=IDENTIFIER)]


def _closure_day(value: object) -> date | YearlyClosure:
    if isinstance(value, (date, YearlyClosure)):
        return value
    if not isinstance(value, str):
        raise ClosureDayInvalid(f"closure day {value!r}: expected a date (2026-12-29) or a range like 12-28..12-31")
    try:
        return date.fromisoformat(value)
    except ValueError:
        return YearlyClosure.parse(value)


def _closure_text(value: date | YearlyClosure) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


ClosureDay = Annotated[
    date | YearlyClosure, PlainValidator(_closure_day), PlainSerializer(_closure_text, return_type=str)
]


@lru_cache(maxsize=64)
def _calendar_with(closure_days: tuple[date | YearlyClosure, ...]) -> WorkingDayCalendar:
    # Keyed on the closure days, so a copied policy with other closures never sees a stale calendar.
    return WorkingDayCalendar.england(closure_days)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgeRange(_Frozen):
    """An inclusive range of ages in years."""

    min: int = Field(ge=0, le=25)
    max: int = Field(ge=0, le=25)

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class AdvocatePolicy(StrEnum):
    """When an advocate is requested for the child."""

    ALWAYS_CONSIDERED = "always_considered"
    ON_REQUEST = "on_request"
    AUTOMATIC = "automatic"  # for children strictly older than advocate_automatic_over


class Ages(_Frozen):
    """The age thresholds of participation."""

    child_only_conference: AgeRange
    invite_to_conference_from: int = Field(ge=0, le=18, description="0 means any age, the child's choice supported.")
    advocate: AdvocatePolicy
    advocate_automatic_over: int = Field(ge=0, le=18)


class OnLeave(StrEnum):
    """What happens to an open action when the phase that opened it is left."""

    REFUSE = "refuse"
    OVERRIDE = "override"
    CANCEL = "cancel"


class ActionRule(_Frozen):
    """Who owns an action, where its due date comes from, and how it behaves when its phase is left."""

    owner_role: Key
    timescale: Key
    mandatory: bool
    on_leave: OnLeave


class Reminders(_Frozen):
    """When the sweep reminds an owner before an action is due."""

    before_due_working_days: int = Field(ge=0, le=60)


class EscalationLevel(_Frozen):
    """One rung of the escalation ladder: who is told once an action is this many working days overdue."""

    level: Key
    working_days_overdue: int = Field(ge=0)


class Policy(_Frozen):
    """The effective policy of one authority (a profile already merged over the default)."""

    name: Key
    version: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: Key | None = None
    conventions: Conventions = Conventions()
    closure_days: list[ClosureDay] = []
    ages: Ages
    timescales: dict[Key, Timescale] = Field(min_length=1)
    actions: dict[Key, ActionRule]
    roles: list[Key] = Field(min_length=1)
    # Roles that see and act only on the cases of their own teams; every other role is service-wide.
    team_roles: list[Key] = ["social_worker", "team_manager", "business_support"]
    # Roles a case may be allocated to: its allocated worker holds one, and is told of the work owned by it.
    allocated_roles: list[Key] = Field(default=["social_worker"], min_length=1)
    permissions: dict[Key, list[Key]]
    reminders: Reminders
    escalation: list[EscalationLevel] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        problem = next(self._problems(), None)
        if problem:
            raise ValueError(problem)
        return self

    def _problems(self) -> Iterator[str]:
        roles = set(self.roles)
        if len(roles) != len(self.roles):
            yield "roles: a role is listed twice"
        for kind, rule in self.actions.items():
            if rule.timescale not in self.timescales:
                yield f"actions.{kind}.timescale: no timescale named {rule.timescale!r}"
            if rule.owner_role not in roles:
                yield f"actions.{kind}.owner_role: unknown role {rule.owner_role!r} (roles: {', '.join(self.roles)})"
        for trigger, allowed in self.permissions.items():
            for index, role in enumerate(allowed):
                if role not in roles:
                    yield f"permissions.{trigger}.{index}: unknown role {role!r} (roles: {', '.join(self.roles)})"
        for role in self.team_roles:
            if role not in roles:
                yield f"team_roles: unknown role {role!r} (roles: {', '.join(self.roles)})"
        for role in self.allocated_roles:
            if role not in roles:
                yield f"allocated_roles: unknown role {role!r} (roles: {', '.join(self.roles)})"
        yield from self._ladder_problems(roles)

    def _ladder_problems(self, roles: set[str]) -> Iterator[str]:
        for index, rung in enumerate(self.escalation):
            if rung.level != OWNER_LEVEL and rung.level not in roles:
                yield f"escalation.{index}.level: unknown level {rung.level!r} (expected 'owner' or a role)"
            if index and rung.working_days_overdue <= self.escalation[index - 1].working_days_overdue:
                yield (
                    f"escalation.{index}.working_days_overdue: the ladder must ascend "
                    f"({rung.working_days_overdue} is not above {self.escalation[index - 1].working_days_overdue})"
                )

    def calendar(self) -> WorkingDayCalendar:
        """England and Wales bank holidays plus this policy's closure days."""
        return _calendar_with(tuple(self.closure_days))

    def timescale(self, name: str) -> Timescale:
        """The timescale called `name`."""
        try:
            return self.timescales[name]
        except KeyError:
            raise NotInPolicy(f"policy {self.name!r}: no timescale named {name!r}") from None

    def due_date(self, timescale: str, anchor: date) -> date:
        """The due date of `timescale` counted from `anchor` under this policy's conventions and calendar."""
        return self.timescale(timescale).due_date(anchor, self.calendar(), self.conventions)

    def action_rule(self, kind: str) -> ActionRule:
        """The rule for actions of `kind`."""
        try:
            return self.actions[kind]
        except KeyError:
            raise NotInPolicy(f"policy {self.name!r}: no action named {kind!r}") from None

    def action_due_date(self, kind: str, anchor: date) -> date:
        """The due date of an action of `kind` whose timescale counts from `anchor`."""
        return self.due_date(self.action_rule(kind).timescale, anchor)

    def allocates(self, role: str) -> bool:
        """Whether a case's allocated worker may hold it in `role` (and so is told of the work `role` owns)."""
        return role in self.allocated_roles

    def may_fire(self, role: str, trigger: str) -> bool:
        """Whether `role` may fire `trigger`; a trigger the policy does not list is refused to everyone."""
        return role in self.permissions.get(trigger, ())

    def reminder_date(self, due: date) -> date:
        """The working day on which the owner is reminded of an action due on `due`."""
        return self.calendar().subtract_working_days(due, self.reminders.before_due_working_days)

    def escalation_level(self, working_days_overdue: int) -> EscalationLevel | None:
        """The highest rung reached at `working_days_overdue` (0 = due today); None before the first rung."""
        reached = [rung for rung in self.escalation if rung.working_days_overdue <= working_days_overdue]
        return reached[-1] if reached else None


def _describe(error: ErrorDetails) -> tuple[str, str]:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "value_error":
        problem = str(error.get("ctx", {}).get("error", error["msg"]))
        if not error["loc"] and ": " in problem:
            key, problem = problem.split(": ", 1)
        return key, problem
    if error["type"] == "extra_forbidden":
        return key, "unknown key"
    if error["type"] == "missing":
        return key, "required key is missing"
    return key, f"{error['msg']} (got {error['input']!r})"


def policy_from_mapping(data: Mapping[str, Any], source: str) -> Policy:
    """Validate `data` as a policy; the first problem becomes PolicyInvalid naming `source`, the key and what."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        key, problem = _describe(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise PolicyInvalid(source, key, problem + more) from None
