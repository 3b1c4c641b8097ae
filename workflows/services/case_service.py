"""Firing a trigger on a persisted case: read, decide (pure), write, all in one database transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from states import (
    Actor,
    Case,
    InvalidEventData,
    OpenActionsBlockTransition,
    Policy,
    PolicyNotFound,
    TransitionResult,
    TriggerRefused,
    UnknownTrigger,
    fire,
)
from states.field_text import TriggerInput
from states.input_rules import check_identifier
from workflows.persistence import (
    AuditRecord,
    CaseNotFound,
    ConcurrentUpdate,
    KeptCases,
    KeptConnection,
    LoadedCase,
    audit,
    case_store,
)
from workflows.services.allocation import candidate_of, check_allocation
from workflows.services.errors import InputTooLong
from workflows.settings import utc_now

__all__ = ["REFUSAL_CATEGORIES", "REFUSED_EVENT", "CaseService", "InputTooLong"]

Clock = Callable[[], datetime]
REFUSED_EVENT = "trigger_refused"
# Why a trigger was refused, as its `trigger_refused` event records it: a persisted contract, like trigger names.
REFUSAL_CATEGORIES = ("unknown_trigger", "wrong_status", "bad_data", "not_permitted", "open_actions", "conflict")
CONFLICT = "conflict"
# Limits of the columns an attempt is recorded in; longer input is refused before anything is read.
LIMITS = {"case reference": 64, "trigger": 64, "actor id": 64, "actor role": 32, "authority": 64}
# A refusal is audited even while triggers race on the case: retry on a taken seq, then give up loudly.
REFUSAL_AUDIT_ATTEMPTS = 5


def _check_identifiers(values: Mapping[str, str | None]) -> None:
    """Refuse, before anything is read, an identifier the audit trail could not record as it is."""
    for label, value in values.items():
        if value is not None and len(value) > LIMITS[label]:
            raise InputTooLong(f"{label} is {len(value)} characters long: expected at most {LIMITS[label]}")
        if value is not None:
            check_identifier(value, label, LIMITS[label])


def _refusal_payload(refusal: TriggerRefused | ConcurrentUpdate) -> dict[str, Any]:
    """What a refusal records: its category and kind, the field at fault or the actions in the way; never the
    value refused (it may be personal, free text, or a forged line)."""
    category = CONFLICT if isinstance(refusal, ConcurrentUpdate) else refusal.category
    payload: dict[str, Any] = {"category": category, "refusal": type(refusal).__name__}
    if isinstance(refusal, InvalidEventData) and refusal.field is not None:
        payload["field"] = refusal.field
    if isinstance(refusal, OpenActionsBlockTransition):
        payload["open_actions"] = list(refusal.kinds)
    return payload


class CaseService:
    """The one way a trigger reaches the database: atomic, version-checked, audited (refusals too)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        policies: Mapping[str, Policy],
        *,
        default_authority: str = "default",
        clock: Clock = utc_now,
    ) -> None:
        # Triggers run on the factory's engine, not in an ORM session: the write path is Core statements only,
        # and a Session's begin/flush/commit bookkeeping costs more per trigger than SQLite's commit does.
        with session_factory() as session:
            self._engine = session.get_bind().engine
        self._policies = policies
        self._default_authority = default_authority
        self._clock = clock
        self._connection = KeptConnection(self._engine)
        self._cases = KeptCases()

    def policy(self, authority: str) -> Policy:
        """The policy in force for `authority`."""
        try:
            return self._policies[authority]
        except KeyError:
            known = ", ".join(sorted(self._policies)) or "none"
            raise PolicyNotFound(f"authority {authority!r}: no policy loaded for it (loaded: {known})") from None

    def case(self, reference: str) -> Case:
        """The case with its open actions; CaseNotFound if there is none."""
        with self._engine.connect() as connection:
            loaded = case_store.load(connection, reference)
        if loaded is None:
            raise CaseNotFound(reference)
        return loaded.case

    def fire(
        self,
        reference: str,
        trigger: str,
        data: TriggerInput,
        actor: Actor,
        today: date,
        *,
        authority: str | None = None,
        expected_version: int | None = None,
    ) -> TransitionResult:
        """Fire `trigger` on case `reference` (creating it for a creating trigger) in one transaction.

        Every refusal of a trigger on an existing case is recorded as one `trigger_refused` event with its category
        (REFUSAL_CATEGORIES), however it is asked (the command line, a scenario, the API): the domain's
        TriggerRefused errors, and ConcurrentUpdate (`conflict`) when the case changed since it was read or is not
        at `expected_version`. Identifiers outside the identifier alphabet or too long are refused before anything
        is read, and not recorded: the record would have to hold the bad value.
        """
        _check_identifiers(
            {
                "case reference": reference,
                "trigger": trigger,
                "actor id": actor.id,
                "actor role": actor.role,
                "authority": authority,
            }
        )
        candidate = candidate_of(self._engine, trigger, data)
        loaded: LoadedCase | None = None
        try:
            with self._connection.begin() as connection:
                loaded = self._cases.load(connection, reference)
                current = _current(reference, loaded, expected_version)
                authority = current.authority if current is not None else authority or self._default_authority
                policy = self.policy(authority)
                result = fire(current, trigger, data, actor, today, policy, reference=reference, authority=authority)
                check_allocation(candidate, trigger, current, result.case, policy)
                stored = case_store.save(connection, loaded, result, (actor.id, actor.role), self._clock())
        except (TriggerRefused, ConcurrentUpdate) as refusal:
            if loaded is not None:
                self._audit_refusal(loaded.case, trigger, actor, today, refusal)
            raise
        self._cases.keep(stored)  # only now that it is committed
        return result

    def close(self) -> None:
        """Give back the database connection this service keeps for its triggers (it also goes when collected)."""
        self._connection.close()

    def _audit_refusal(
        self, case: Case, trigger: str, actor: Actor, today: date, refusal: TriggerRefused | ConcurrentUpdate
    ) -> None:
        record = AuditRecord(
            event_type=REFUSED_EVENT,
            actor_id=actor.id,
            actor_role=actor.role,
            # An unknown trigger's name is what was refused: it is not kept (it may be anything typed).
            trigger=None if isinstance(refusal, UnknownTrigger) else trigger,
            occurred_on=today,
            from_status=case.status.value,
            payload=_refusal_payload(refusal),
        )
        for attempt in range(REFUSAL_AUDIT_ATTEMPTS):
            try:
                with self._engine.begin() as connection:
                    head = audit.chain_head(connection, case.reference)
                    audit.append(connection, case.reference, head, record, self._clock())
                return
            except IntegrityError:
                if attempt == REFUSAL_AUDIT_ATTEMPTS - 1:
                    raise


def _current(reference: str, loaded: LoadedCase | None, expected_version: int | None) -> Case | None:
    """The case as read, checked to be at `expected_version` when one is given."""
    if expected_version is not None and loaded is None:
        raise CaseNotFound(reference)
    if expected_version is not None and loaded is not None and loaded.case.version != expected_version:
        raise ConcurrentUpdate(reference, expected_version)
    return loaded.case if loaded is not None else None
