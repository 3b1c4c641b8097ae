"""What a fired trigger records: its audit event (database only) and its outbox payload (codes, ids and dates only)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from states import event_data as ev
from states.actions import ActionChanges
from states.case import Action, Actor, TransitionResult
from states.data_problems import code_fields as codes_of
from states.data_problems import free_text_fields
from states.personal_data import CHILD_PERSONAL_FIELDS
from states.trigger_step import Step

_OUTBOX_DATA = ("outcome", "category", "sub_category", "reason", "kind")


def _private(data: ev.EventData) -> dict[str, str]:
    """The trigger's free text and personal facts, as text by field: what the audit payload holds only hashes of."""
    private: dict[str, str] = {}
    for name in _kept_fields(type(data)):
        value = getattr(data, name)
        if value is not None:
            private[name] = value.isoformat() if isinstance(value, date) else str(value)
    return private


@cache
def _kept_fields(model: type[ev.EventData]) -> tuple[str, ...]:
    return tuple(sorted((CHILD_PERSONAL_FIELDS & set(model.model_fields)) | free_text_fields(model)))


def transition_result(step: Step, trigger: str, actor: Actor) -> TransitionResult:
    """The finished step as a result: the new case, the actions changed, the audit event and the outbox payload."""
    changes, occurred = step.changes, step.data.occurred_on(step.today)
    summary = _summary(changes)
    private = _private(step.data)
    event: dict[str, Any] = {
        "trigger": trigger,
        "from": step.source.value,
        "to": step.dest.value,
        "occurred_on": occurred.isoformat(),
        "actor_id": actor.id,
        "actor_role": actor.role,
        "data": step.data.model_dump(mode="json", exclude_none=True, exclude=set(private)),
        "overridden": list(changes.overridden),
        **summary,
        **_track_change(step),
    }
    return TransitionResult(
        case=step.case,
        trigger=trigger,
        from_status=step.source,
        to_status=step.dest,
        occurred_on=occurred,
        opened=list(changes.opened),
        closed=list(changes.closed),
        moved=list(changes.moved),
        event=event,
        outbox=_outbox(step, trigger, occurred, summary),
        track_from=step.track_source,
        track_to=step.case.pre_proceedings,
        private=private,
    )


def _track_change(step: Step) -> dict[str, Any]:
    """Where the pre-proceedings track was and is, whenever it is or was open (audited and in the outbox)."""
    before, after = step.track_source.value, step.case.pre_proceedings.value
    return {} if before == after == "none" else {"pre_proceedings": {"from": before, "to": after}}


def _outbox(step: Step, trigger: str, occurred: date, summary: dict[str, Any]) -> dict[str, Any]:
    # Only the fields whose values come from a closed list: never free text.
    model: type[ev.EventData] = type(step.data)
    code_fields = codes_of(model)
    codes = {
        name: value for name in _OUTBOX_DATA if name in code_fields and (value := getattr(step.data, name)) is not None
    }
    return {
        "reference": step.case.reference,
        "authority": step.case.authority,
        "trigger": trigger,
        "from": step.source.value,
        "to": step.dest.value,
        "occurred_on": occurred.isoformat(),
        "version": step.case.version,
        **codes,
        **summary,
        **_track_change(step),
    }


def _summary(changes: ActionChanges) -> dict[str, Any]:
    """The actions a trigger opened, closed and moved, as codes and dates (shared by the audit and the outbox)."""
    return {
        "opened": [
            {"kind": a.kind, "owner_role": a.owner_role, "due_on": a.due_on.isoformat()} for a in changes.opened
        ],
        "closed": [_closed_summary(a) for a in changes.closed],
        "moved": [_moved_summary(a, old) for a, old in changes.moved],
    }


def _closed_summary(action: Action) -> dict[str, Any]:
    return {"kind": action.kind, "status": action.status, "close_reason": action.close_reason}


def _moved_summary(action: Action, old: date) -> dict[str, Any]:
    return {"kind": action.kind, "from": old.isoformat(), "to": action.due_on.isoformat()}
