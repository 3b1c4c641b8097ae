"""Firing a trigger on a persisted case: read, decide (pure), write, all in one database transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from states.case import Actor, Case, TransitionResult
from states.errors import CaseflowError
from states.firing import fire
from states.lifecycle_errors import OpenActionsBlockTransition, TriggerRefused
from states.policy import Policy, PolicyNotFound
from workflows.persistence import AuditRecord, LoadedCase, audit, case_store
from workflows.settings import utc_now

__all__ = ["REFUSED_EVENT", "CaseService", "InputTooLong"]

Clock = Callable[[], datetime]
REFUSED_EVENT = "trigger_refused"
# Limits of the columns an attempt is recorded in; longer input is refused before anything is read.
LIMITS = {"case reference": 64, "trigger": 64, "actor id": 64, "actor role": 32, "authority": 64}
# A refusal is audited even while triggers race on the case: retry on a taken seq, then give up loudly.
REFUSAL_AUDIT_ATTEMPTS = 5
# Cases kept as this service last saved them (see CaseService.fire); past this many the memory starts afresh.
MAX_KEPT_CASES = 10_000


class InputTooLong(CaseflowError):
    """An identifier given to a trigger is longer than the database keeps."""


def _check_lengths(values: Mapping[str, str | None]) -> None:
    for label, value in values.items():
        if value is not None and len(value) > LIMITS[label]:
            raise InputTooLong(f"{label} is {len(value)} characters long: expected at most {LIMITS[label]}")


def _refusal_payload(refusal: TriggerRefused) -> dict[str, Any]:
    payload: dict[str, Any] = {"refusal": type(refusal).__name__, "reason": str(refusal)}
    if isinstance(refusal, OpenActionsBlockTransition):
        payload["open_actions"] = list(refusal.kinds)
    return payload


class _KeptCaseStale(Exception):
    """The case this service kept is no longer the stored one; raised out of the transaction to roll it back."""


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
        # Each case as this service last committed it. The next trigger on it is fired on this copy unread: the case
        # row's UPDATE checks the version and audit head it was saved at, and a stale copy is fired again as stored.
        self._kept: dict[str, LoadedCase] = {}
        self._connection = case_store.KeptConnection(self._engine)

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
            raise case_store.CaseNotFound(reference)
        return loaded.case

    def fire(
        self,
        reference: str,
        trigger: str,
        data: Mapping[str, Any],
        actor: Actor,
        today: date,
        *,
        authority: str | None = None,
        expected_version: int | None = None,
    ) -> TransitionResult:
        """Fire `trigger` on case `reference` (creating it for a creating trigger) in one transaction.

        Raises the domain's TriggerRefused errors (audited as `trigger_refused` when the case exists),
        ConcurrentUpdate when the case changed since it was read or is not at `expected_version`.
        """
        _check_lengths(
            {
                "case reference": reference,
                "trigger": trigger,
                "actor id": actor.id,
                "actor role": actor.role,
                "authority": authority,
            }
        )
        attempt = (reference, trigger, data, actor, today)
        known = self._kept.pop(reference, None)
        try:
            return self._fire_once(attempt, authority, expected_version, known)
        except _KeptCaseStale:
            # Someone else changed the case since this service saved it: fire again on the case as stored.
            return self._fire_once(attempt, authority, expected_version, None)

    def _fire_once(
        self,
        attempt: tuple[str, str, Mapping[str, Any], Actor, date],
        authority: str | None,
        expected_version: int | None,
        known: LoadedCase | None,
    ) -> TransitionResult:
        """One transaction. A case this service kept is fired on unread: the case row's update checks its version
        and audit head, and a refusal is checked against the stored case before it stands (_KeptCaseStale)."""
        reference, trigger, _, actor, today = attempt
        loaded: LoadedCase | None = None
        try:
            with case_store.unit_of_work(self._engine, self._connection) as connection:
                loaded = known if known is not None else case_store.load(connection, reference)
                try:
                    saved = self._fire_loaded(connection, loaded, attempt, authority, expected_version)
                except (TriggerRefused, case_store.StaleCase):
                    # Nothing is written yet, so the transaction can still read the case as stored.
                    if known is not None and not case_store.is_current(connection, known):
                        raise _KeptCaseStale from None
                    raise
        except TriggerRefused as refusal:
            if loaded is not None:
                self._audit_refusal(loaded.case, trigger, actor, today, refusal)
            raise
        self._keep(saved.stored)
        return saved.result

    def close(self) -> None:
        """Give back the database connection this service keeps for its triggers (it also goes when collected)."""
        self._connection.close()

    def _keep(self, stored: LoadedCase) -> None:
        # Only once committed: a rolled-back write must not be remembered as the case's state.
        if len(self._kept) >= MAX_KEPT_CASES:
            self._kept.clear()
        self._kept[stored.case.reference] = stored

    def _fire_loaded(
        self,
        connection: case_store.Transactional,
        loaded: LoadedCase | None,
        attempt: tuple[str, str, Mapping[str, Any], Actor, date],
        authority: str | None,
        expected_version: int | None,
    ) -> case_store.Saved:
        reference, trigger, data, actor, today = attempt
        current = loaded.case if loaded is not None else None
        if expected_version is not None and current is None:
            raise case_store.CaseNotFound(reference)
        if expected_version is not None and current is not None and current.version != expected_version:
            raise case_store.StaleCase(reference, expected_version)
        authority = current.authority if current is not None else authority or self._default_authority
        policy = self.policy(authority)
        result = fire(current, trigger, data, actor, today, policy, reference=reference, authority=authority)
        return case_store.save_result(connection, loaded, result, (actor.id, actor.role), self._clock())

    def _audit_refusal(self, case: Case, trigger: str, actor: Actor, today: date, refusal: TriggerRefused) -> None:
        record = AuditRecord(
            event_type=REFUSED_EVENT,
            actor_id=actor.id,
            actor_role=actor.role,
            trigger=trigger,
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
