"""Scenario replay: a case's events from a YAML file, fired through the real service into a throwaway database."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from states.case import Actor
from states.errors import CaseflowError
from states.event_data import DATA_MODELS, Identifier, IsoDate
from states.input_rules import escaped
from states.policy import Policy, PolicyNotFound
from workflows.persistence import (
    ActionRow,
    AuditEventRow,
    CaseRow,
    YamlRefused,
    load_strict_yaml,
    make_engine,
    make_session_factory,
    schema,
)
from workflows.services.case_service import CaseService
from workflows.services.errors import ScenarioInvalid

__all__ = ["Scenario", "ScenarioInvalid", "ScenarioOutcome", "load_scenario", "replay"]

REFUSED_EVENT = "trigger_refused"
# One case's events: a lifetime of visits and core groups is a few hundred.
MAX_EVENTS = 2000


class ScenarioCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    reference: Identifier
    date_of_birth: IsoDate | None = None
    expected_delivery_date: IsoDate | None = None
    team: Identifier | None = None
    # The authority's own child id, sex and UPN: the creating trigger's data model checks them.
    child_id: str | None = None
    sex: str | None = None
    upn: str | None = None


class ScenarioEvent(BaseModel):
    """One trigger: when it happened, what it was, who fired it; other keys are the trigger's own data."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    on: IsoDate
    trigger: Identifier
    actor: Identifier | None = None
    role: Identifier | None = None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    policy: Identifier = "default"
    case: ScenarioCase
    events: list[ScenarioEvent] = Field(min_length=1, max_length=MAX_EVENTS)
    as_of: IsoDate | None = None


@dataclass(frozen=True)
class ScenarioOutcome:
    """The replayed case as of a date, in the shape `simulate --json` prints."""

    reference: str
    as_of: date
    status: str
    history: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    # The pre-proceedings track beside the status ("none" when no pre-proceedings are open).
    pre_proceedings: str = "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "pre_proceedings": self.pre_proceedings,
            "history": self.history,
            "actions": self.actions,
            "overdue": self.overdue,
        }


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{escaped(str(part))}" if text else escaped(str(part)))
    return text or "(top level)"


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; any problem is one ScenarioInvalid line naming file and key."""
    try:
        raw = load_strict_yaml(path)
    except YamlRefused as exc:
        raise ScenarioInvalid(str(exc)) from None
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = (
            str(first.get("ctx", {}).get("error", first["msg"])) if first["type"] == "value_error" else first["msg"]
        )
        raise ScenarioInvalid(f"{path}: {_location(first['loc'])}: {message}") from None


def _actor(event: ScenarioEvent, policy: Policy) -> Actor:
    role = event.role or next(iter(policy.permissions.get(event.trigger, [])), "social_worker")
    return Actor(id=event.actor or role, role=role)


def _event_data(scenario: Scenario, event: ScenarioEvent, first: bool) -> dict[str, Any]:
    data = event.data
    if first:  # the case block's facts travel with the trigger that creates the case
        data.update(scenario.case.model_dump(exclude={"reference"}, exclude_none=True))
    model = DATA_MODELS.get(event.trigger)
    if model is not None and model.OCCURRED:  # `on` is the date the thing happened, in the trigger's own field
        data.setdefault(model.OCCURRED, event.on)
    return data


def replay(
    scenario: Scenario, policies: Mapping[str, Policy], as_of: date, source: str = "scenario"
) -> ScenarioOutcome:
    """Fire every event through CaseService in a throwaway SQLite database and read the case back as of `as_of`."""
    if scenario.policy not in policies:
        known = ", ".join(sorted(policies))
        raise PolicyNotFound(f"{source}: policy: no policy named {scenario.policy!r} (known: {known})")
    policy = policies[scenario.policy]
    with tempfile.TemporaryDirectory(prefix="caseflow-simulate-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scenario.db'}")
        try:
            schema.upgrade(engine)
            service = CaseService(make_session_factory(engine), policies, default_authority=scenario.policy)
            reference = scenario.case.reference
            for index, event in enumerate(scenario.events):
                where = f"{source}: events[{index}] ({event.trigger} on {event.on})"
                if event.on > as_of:
                    raise ScenarioInvalid(f"{where}: {event.on} is after as_of {as_of}, the clock in force")
                try:
                    # Each event fires on its own day, as it would have in the service: what it records as done
                    # or opened (a conference booked, a review convened) is dated then, not on the replay's as_of.
                    service.fire(
                        reference,
                        event.trigger,
                        _event_data(scenario, event, index == 0),
                        _actor(event, policy),
                        event.on,
                        authority=scenario.policy,
                    )
                except CaseflowError as exc:
                    raise ScenarioInvalid(f"{where}: {exc}") from None
            with engine.connect() as connection:
                return _read_back(connection, reference, policy, as_of)
        finally:
            engine.dispose()


def _read_back(connection: sa.Connection, reference: str, policy: Policy, as_of: date) -> ScenarioOutcome:
    case = connection.execute(
        sa.select(CaseRow.id, CaseRow.status, CaseRow.pre_proceedings).where(CaseRow.reference == reference)
    ).one()
    history = [
        {
            "on": row.occurred_on.isoformat(),
            "trigger": row.trigger,
            "from": row.from_status,
            "to": row.to_status,
            "actor": row.actor_id,
            # Where the pre-proceedings track went, on the events that moved it or ran while it was open.
            **({"pre_proceedings": row.payload["pre_proceedings"]["to"]} if "pre_proceedings" in row.payload else {}),
        }
        for row in connection.execute(
            sa.select(
                AuditEventRow.occurred_on,
                AuditEventRow.trigger,
                AuditEventRow.from_status,
                AuditEventRow.to_status,
                AuditEventRow.actor_id,
                AuditEventRow.payload,
            )
            .where(AuditEventRow.case_reference == reference, AuditEventRow.event_type != REFUSED_EVENT)
            .order_by(AuditEventRow.seq)
        )
    ]
    rows = connection.execute(
        sa.select(ActionRow.kind, ActionRow.due_on, ActionRow.status, ActionRow.done_on)
        .where(ActionRow.case_id == case.id)
        .order_by(ActionRow.due_on, ActionRow.id)
    ).all()
    actions = [
        {
            "kind": row.kind,
            "due_on": row.due_on.isoformat(),
            "status": row.status,
            "done_on": row.done_on.isoformat() if row.done_on else None,
        }
        for row in rows
    ]
    calendar = policy.calendar()
    overdue = [
        {
            "kind": row.kind,
            "due_on": row.due_on.isoformat(),
            "working_days_overdue": calendar.working_days_between(row.due_on, as_of),
        }
        for row in rows
        if row.status == "open" and row.due_on < as_of
    ]
    return ScenarioOutcome(reference, as_of, case.status, history, actions, overdue, case.pre_proceedings)
