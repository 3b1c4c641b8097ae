"""The case repository: load a case with its open actions in one query; save a trigger's result under a version check.

Prepared SQL on a driver cursor of the caller's connection, not the ORM unit of work: a trigger is one SELECT
(case, open actions, audit head), one UPDATE ... WHERE version = :v (or the INSERT of a new case), one INSERT
per opened action, one executemany UPDATE of changed actions, one audit row and one outbox row; no flush, no
identity map, no per-statement compilation. The schema itself stays Alembic's (workflows/persistence/migrations).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import JSON, Date, DateTime, Dialect, text
from sqlalchemy.exc import IntegrityError

from states.case import Action, Case, TransitionResult
from states.errors import CaseflowError
from states.lifecycle import CaseStatus
from workflows.persistence import audit, outbox
from workflows.persistence.audit import AuditRecord, ChainHead
from workflows.persistence.models import ActionRow, AuditEventRow, CaseRow, OutboxRow
from workflows.persistence.unit_of_work import KeptConnection, Transactional, unit_of_work

__all__ = [
    "FIRED_EVENT",
    "TRANSITION_MESSAGE",
    "CaseNotFound",
    "ConcurrentUpdate",
    "KeptConnection",
    "LoadedCase",
    "Saved",
    "StaleCase",
    "Transactional",
    "is_current",
    "load",
    "save",
    "save_changes",
    "save_result",
    "unit_of_work",
]

_cases = CaseRow.__table__
_actions = ActionRow.__table__
_events = AuditEventRow.__table__

ACTION_FIELDS = (
    "kind",
    "owner_role",
    "status",
    "due_on",
    "opened_on",
    "done_on",
    "mandatory",
    "rule",
    "anchor",
    "policy_version",
    "close_reason",
)
CASE_FIELDS = (
    "id",
    "reference",
    "authority",
    "team",
    "status",
    "version",
    "date_of_birth",
    "expected_delivery_date",
    "facts",
    "child_id",
    "sex",
    "upn",
)
# The columns of an action a later trigger (or a policy migration) may change.
CHANGEABLE_FIELDS = ("status", "due_on", "done_on", "close_reason", "rule", "anchor", "policy_version")


class ConcurrentUpdate(CaseflowError):
    """Someone else changed the case between this trigger's read and its write; nothing of this one was saved."""

    def __init__(self, case_ref: str, expected_version: int | None) -> None:
        self.case_ref, self.expected_version = case_ref, expected_version
        seen = "did not exist" if expected_version is None else f"was at version {expected_version}"
        super().__init__(
            f"case {case_ref}: changed by someone else since it was read (it {seen}); nothing was saved, "
            "read the case again and retry"
        )


class StaleCase(ConcurrentUpdate):
    """The case row was not at the version and audit head read: raised before this trigger wrote anything."""


class CaseNotFound(CaseflowError):
    """No case has that reference."""

    def __init__(self, case_ref: str) -> None:
        self.case_ref = case_ref
        super().__init__(f"case {case_ref}: not found (expected the reference of an existing case)")


@dataclass(frozen=True)
class LoadedCase:
    """A case as read, with what its write needs: the row id and the head of its audit chain."""

    case: Case
    row_id: int
    audit_head: ChainHead


def case_values(case: Case, version: int, now: datetime) -> dict[str, Any]:
    """The case row's changeable columns for `case` at `version`, written at `now`."""
    return {
        "status": case.status.value,
        "version": version,
        "team": case.team,
        "date_of_birth": case.date_of_birth,
        "expected_delivery_date": case.expected_delivery_date,
        "child_id": case.child_id,
        "sex": case.sex,
        "upn": case.upn,
        "facts": case.facts,
        "updated_at": now,
    }


# Statements as :name templates, rendered once per dialect into the driver's parameter style (_rendered_sql);
# values are converted as SQLAlchemy's column types would (_converters).
def _insert_sql(table: str, columns: Sequence[str], returning: str | None = None) -> str:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)})"
    return f"{sql} RETURNING {returning}" if returning else sql


CASE_COLUMNS = (
    "status",
    "version",
    "team",
    "date_of_birth",
    "expected_delivery_date",
    "child_id",
    "sex",
    "upn",
    "facts",
    "updated_at",
)
# Written on every update; the other columns only when the trigger changed them, as SQLite rewrites the entry of
# every index over a column it SETs, changed or not (ix_cases_status, ix_cases_child_id: a page each per commit).
ALWAYS_SET = frozenset({"version", "updated_at"})


def changed_case_columns(before: Case, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns an update of `before` to the row `values` (see case_values) sets."""
    return tuple(name for name in CASE_COLUMNS if name in ALWAYS_SET or values[name] != getattr(before, name))


@lru_cache(maxsize=64)
def _update_case_sql(columns: tuple[str, ...]) -> str:
    # The version and the audit head as read: a case kept from an earlier trigger (see CaseService) is checked here
    # rather than by a query of its own; a refusal audited since moves the head without changing the version.
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    newest_seq = "SELECT seq FROM audit_events WHERE case_reference = :reference ORDER BY seq DESC LIMIT 1"
    return (
        f"UPDATE cases SET {assignments} WHERE id = :row_id AND version = :expected_version "
        f"AND COALESCE(({newest_seq}), 0) = :audit_seq"
    )


INSERT_CASE_SQL = _insert_sql("cases", ("reference", "authority", "created_at", *CASE_COLUMNS), returning="id")
INSERT_ACTION_SQL = _insert_sql("actions", ("case_id", *ACTION_FIELDS), returning="id")
# On SQLite the new row's id is the cursor's lastrowid: fetching a RETURNING row cost as much as the insert.
INSERT_ACTION_SQLITE_SQL = _insert_sql("actions", ("case_id", *ACTION_FIELDS))
UPDATE_ACTION_SQL = (
    f"UPDATE actions SET {', '.join(f'{name} = :{name}' for name in CHANGEABLE_FIELDS)} WHERE id = :action_id"
)
INSERT_AUDIT_SQL = _insert_sql("audit_events", (*audit.HASHED_FIELDS, "hash"))
INSERT_OUTBOX_SQL = _insert_sql(
    "outbox", ("case_reference", "idempotency_key", "event_type", "payload", "created_at", "attempts")
)

Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class _Prepared:
    """A statement in the driver's parameter style, and how a row of values becomes its parameters."""

    sql: str
    names: tuple[str, ...]
    # The parameters' values in order, by one C call (a tuple even for a single name).
    values: Callable[[Mapping[str, Any]], Any]
    # (position, converter) of the parameters whose Python value is not what the driver takes.
    conversions: tuple[tuple[int, Converter], ...]
    positional: bool

    def params(self, row: Mapping[str, Any]) -> Any:
        values = self.values(row)
        if self.conversions:
            values = list(values)
            for at, convert in self.conversions:
                if (value := values[at]) is not None:
                    values[at] = convert(value)
        return values if self.positional else dict(zip(self.names, values, strict=True))


# Per (dialect name, driver): each template as prepared for it.
_prepared: dict[tuple[str, str], dict[str, _Prepared]] = {}


def _prepared_for(dialect: Dialect) -> dict[str, _Prepared]:
    return _prepared.setdefault((dialect.name, dialect.driver), {})


def _rendered_sql(dialect: Dialect, template: str) -> _Prepared:
    """`template` (:name parameters) rendered in the driver's parameter style, with its parameters' plan."""
    known = _prepared_for(dialect)
    if template not in known:
        compiled = text(template).compile(dialect=dialect)
        names = tuple((compiled.positiontup if compiled.positional else compiled.binds) or ())
        converters = _CONVERTERS[dialect.name == "sqlite"]
        conversions = tuple((at, converters[name]) for at, name in enumerate(names) if name in converters)
        known[template] = _Prepared(compiled.string, names, _getter(names), conversions, compiled.positional)
    return known[template]


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    if not names:
        return lambda _row: ()
    if len(names) == 1:
        (only,) = names
        return lambda row: (row[only],)
    return itemgetter(*names)


@lru_cache(maxsize=16)
def _sqlite_datetime(value: datetime) -> str:
    # The format SQLAlchemy's SQLite DateTime type writes and reads back: naive, here always UTC.
    # Cached: the case, audit and outbox rows of a trigger carry the same timestamp.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # The same text as strftime("%Y-%m-%d %H:%M:%S.%f"), at a fifth of the cost.
    return value.isoformat(" ", "microseconds")


def _json(value: Any) -> str:
    # orjson: a tenth of json.dumps' time for the same JSON (compact, UTF-8 as is); any JSON reader reads it back.
    return orjson.dumps(value).decode()


def _converters(sqlite: bool) -> dict[str, Converter]:
    """Per column name: how a Python value becomes what the driver takes (what SQLAlchemy's types would do)."""
    found: dict[str, Converter] = {}
    for table in (_cases, _actions, _events, OutboxRow.__table__):
        for column in table.columns:
            if isinstance(column.type, JSON):
                found[column.name] = _json
            elif sqlite and isinstance(column.type, DateTime):
                found[column.name] = _sqlite_datetime
            elif sqlite and isinstance(column.type, Date):
                found[column.name] = date.isoformat  # ISO text, as SQLAlchemy's Date writes
    return found


_CONVERTERS = {True: _converters(sqlite=True), False: _converters(sqlite=False)}


class _Driver:
    """A driver cursor on the connection's transaction, running prepared SQL with converted values.

    The hot path skips SQLAlchemy's per-statement execution context and result metadata, which cost more than
    SQLite's own work; the connection, its transaction and the error type callers see stay SQLAlchemy's.
    """

    def __init__(self, connection: Transactional) -> None:
        self._dialect = connection.dialect
        self.sqlite = connection.dialect.name == "sqlite"
        self._prepared = _prepared_for(connection.dialect)
        self._cursor = connection.connection.cursor()
        self._integrity_error: type[Exception] = connection.dialect.loaded_dbapi.IntegrityError

    def __enter__(self) -> _Driver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._cursor.close()

    def run(self, template: str, values: Mapping[str, Any]) -> Any:
        """Run `template` once; returns the cursor (rowcount, fetchone, fetchall)."""
        prepared = self._prepared.get(template) or _rendered_sql(self._dialect, template)
        params = prepared.params(values)
        try:
            self._cursor.execute(prepared.sql, params)
        except self._integrity_error as error:
            raise IntegrityError(prepared.sql, params, error) from error
        return self._cursor

    def run_many(self, template: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run `template` once per row, as one executemany."""
        prepared = self._prepared.get(template) or _rendered_sql(self._dialect, template)
        params = [prepared.params(row) for row in rows]
        try:
            self._cursor.executemany(prepared.sql, params)
        except self._integrity_error as error:
            raise IntegrityError(prepared.sql, params, error) from error


def _load_sql() -> str:
    newest = "FROM audit_events WHERE audit_events.case_reference = cases.reference ORDER BY seq DESC LIMIT 1"
    actions = ", ".join(f"actions.{name} AS a_{name}" for name in ACTION_FIELDS)
    return (
        f"SELECT {', '.join(f'cases.{name}' for name in CASE_FIELDS)}, "
        f"(SELECT seq {newest}) AS audit_seq, (SELECT hash {newest}) AS audit_hash, "
        f"actions.id AS action_id, {actions} "
        "FROM cases LEFT OUTER JOIN actions ON actions.case_id = cases.id AND actions.status = 'open' "
        "WHERE cases.reference = :reference ORDER BY actions.id"
    )


# One round trip: the case, its open actions (one row each) and the newest audit event's seq and hash.
LOAD_SQL = _load_sql()
# What tells whether a case as saved earlier is still current: every change of its status, facts or actions
# bumps the version, and every audited event (a refusal too) takes the next seq of its chain.
CURRENT_SQL = (
    "SELECT cases.version, (SELECT seq FROM audit_events WHERE audit_events.case_reference = cases.reference "
    "ORDER BY seq DESC LIMIT 1) FROM cases WHERE cases.reference = :reference"
)


def _decoded_date(value: Any) -> date | None:
    # SQLite hands dates back as ISO text, PostgreSQL as dates.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _required_date(value: Any) -> date:
    # A NOT NULL date column (an action's due_on and opened_on).
    return date.fromisoformat(value) if isinstance(value, str) else value


def _decoded_json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value


LOADED_COLUMNS = (*CASE_FIELDS, "audit_seq", "audit_hash", "action_id", *(f"a_{name}" for name in ACTION_FIELDS))
_AT = {name: index for index, name in enumerate(LOADED_COLUMNS)}
_ACTION_AT = tuple(_AT[f"a_{name}"] for name in ACTION_FIELDS)


# The action's columns close the row, in Action's field order; unpacked by position (a dict per row costs more).
# Checked at import, so reordering Action's fields or ACTION_FIELDS cannot silently swap two columns.
_ACTION_COLUMNS = slice(_AT["a_kind"], _AT["a_close_reason"] + 1)
_ACTION_ID = _AT["action_id"]
assert tuple(range(_ACTION_COLUMNS.start, _ACTION_COLUMNS.stop)) == _ACTION_AT
assert tuple(field.name for field in dataclasses.fields(Action))[: len(ACTION_FIELDS)] == ACTION_FIELDS


def _action(row: Sequence[Any]) -> Action:
    kind, owner, status, due_on, opened_on, done_on, mandatory, rule, anchor, version, reason = row[_ACTION_COLUMNS]
    return Action(
        kind,
        owner,
        status,
        _required_date(due_on),
        _required_date(opened_on),
        _decoded_date(done_on),
        bool(mandatory),
        rule,
        anchor,
        version,
        reason,
        row[_ACTION_ID],
    )


def _case(rows: Sequence[Sequence[Any]]) -> Case:
    first = rows[0]
    return Case(
        reference=first[_AT["reference"]],
        authority=first[_AT["authority"]],
        status=CaseStatus(first[_AT["status"]]),
        version=first[_AT["version"]],
        date_of_birth=_decoded_date(first[_AT["date_of_birth"]]),
        expected_delivery_date=_decoded_date(first[_AT["expected_delivery_date"]]),
        facts=dict(_decoded_json(first[_AT["facts"]])),
        actions=[_action(row) for row in rows if row[_ACTION_ID] is not None],
        team=first[_AT["team"]],
        child_id=first[_AT["child_id"]],
        sex=first[_AT["sex"]],
        upn=first[_AT["upn"]],
    )


def load(connection: Transactional, reference: str) -> LoadedCase | None:
    """The case with its open actions and audit head, in one round trip; None when there is no such case."""
    with _Driver(connection) as driver:
        rows = driver.run(LOAD_SQL, {"reference": reference}).fetchall()
    if not rows:
        return None
    first = rows[0]
    seq, last_hash = first[_AT["audit_seq"]], first[_AT["audit_hash"]]
    head = ChainHead(seq, last_hash) if seq is not None else ChainHead()
    return LoadedCase(case=_case(rows), row_id=first[_AT["id"]], audit_head=head)


def is_current(connection: Transactional, known: LoadedCase) -> bool:
    """Whether the case is still as `known` holds it: the same version and audit head."""
    with _Driver(connection) as driver:
        return _still_current(driver, known)


def _still_current(driver: _Driver, known: LoadedCase) -> bool:
    current = driver.run(CURRENT_SQL, {"reference": known.case.reference}).fetchone()
    return current is not None and tuple(current) == (known.case.version, known.audit_head.seq)


def _is_duplicate_audit_seq(error: IntegrityError) -> bool:
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None) == "uq_audit_events_case_reference"
    return "audit_events.seq" in str(error.orig)


def _write_case(driver: _Driver, loaded: LoadedCase | None, case: Case, now: datetime) -> tuple[int, int]:
    """Insert or version-check-update the case row; returns (row id, new version)."""
    if loaded is None:
        identity = {"reference": case.reference, "authority": case.authority, "created_at": now}
        values = case_values(case, 1, now) | identity
        try:
            row_id = int(driver.run(INSERT_CASE_SQL, values).fetchone()[0])
        except IntegrityError:
            # Only the unique reference can fail here: another trigger created this case after our read.
            raise ConcurrentUpdate(case.reference, None) from None
        return row_id, 1
    before = loaded.case
    version = before.version + 1
    values = case_values(case, version, now)
    params = values | {
        "row_id": loaded.row_id,
        "expected_version": before.version,
        "reference": before.reference,
        "audit_seq": loaded.audit_head.seq,
    }
    if driver.run(_update_case_sql(changed_case_columns(before, values)), params).rowcount != 1:
        raise StaleCase(case.reference, loaded.case.version)
    return loaded.row_id, version


def _insert_actions(driver: _Driver, case_id: int, new: Sequence[Action]) -> None:
    # One statement per action, so each gets its id back without relying on the order of a multi-row RETURNING.
    sqlite = driver.sqlite
    for action in new:
        # The statement takes only its own columns from the action's fields (ACTION_FIELDS).
        values = {**action.__dict__, "case_id": case_id}
        if sqlite:
            action.id = int(driver.run(INSERT_ACTION_SQLITE_SQL, values).lastrowid)
        else:
            action.id = int(driver.run(INSERT_ACTION_SQL, values).fetchone()[0])


def _update_actions(driver: _Driver, changed: Iterable[Action]) -> None:
    rows = [{**action.__dict__, "action_id": action.id} for action in changed if action.id is not None]
    if rows:
        driver.run_many(UPDATE_ACTION_SQL, rows)


def _append_audit(
    driver: _Driver, loaded: LoadedCase | None, case: Case, record: AuditRecord, now: datetime, float_free: bool
) -> ChainHead:
    head = loaded.audit_head if loaded is not None else ChainHead()
    row = audit.chained_row(case.reference, head, record, now, float_free=float_free)
    try:
        driver.run(INSERT_AUDIT_SQL, row)
    except IntegrityError as error:
        # A refusal was audited on this case after our read: the chain moved, so this write lost the race.
        if _is_duplicate_audit_seq(error):
            raise ConcurrentUpdate(case.reference, loaded.case.version if loaded else None) from None
        raise
    return ChainHead(row["seq"], row["hash"])


def save_changes(
    connection: Transactional,
    loaded: LoadedCase | None,
    case: Case,
    changes: tuple[Sequence[Action], Sequence[Action]],
    records: tuple[AuditRecord, tuple[str, dict[str, Any]] | None],
    now: datetime,
    *,
    float_free: bool = False,
) -> LoadedCase:
    """Write a change of a case in the caller's transaction: case row, actions, audit event, outbox row.

    `changes` is (new actions to insert, existing actions to update); `records` is the audit record and the
    outbox (event type, payload), if any. Returns the case as it is now stored (as `load` would read it once
    committed). `float_free`: the audit payload holds no float (see audit.event_hash). Raises ConcurrentUpdate
    when the case moved on since `loaded` was read; the caller's rollback then discards everything.
    """
    new, changed = changes
    record, message = records
    # In id order, new ones last: what a load would read once committed, and what the outbox row says stood open.
    still_open = [action for action in case.actions if action.status == "open"]
    with _Driver(connection) as driver:
        row_id, version = _write_case(driver, loaded, case, now)
        _insert_actions(driver, row_id, new)
        _update_actions(driver, changed)
        head = _append_audit(driver, loaded, case, record, now, float_free)
        if message is not None:
            payload = {**message[1], outbox.OPEN_ACTIONS: outbox.open_actions(still_open)}
            driver.run(INSERT_OUTBOX_SQL, outbox.outbox_row(case.reference, version, message[0], payload, now))
    # Built directly: dataclasses.replace inspects the fields on every call. Its own facts and action list.
    stored = Case(**{**case.__dict__, "version": version, "facts": dict(case.facts), "actions": still_open})
    return LoadedCase(stored, row_id, head)


FIRED_EVENT = "trigger_fired"  # audit: a trigger that changed the case
TRANSITION_MESSAGE = "case_transition"  # outbox: delivered to the case-transition flow


def _audit_record(result: TransitionResult, actor_id: str, actor_role: str) -> AuditRecord:
    return AuditRecord(
        event_type=FIRED_EVENT,
        actor_id=actor_id,
        actor_role=actor_role,
        trigger=result.trigger,
        occurred_on=result.occurred_on,
        from_status=result.from_status.value,
        to_status=result.to_status.value,
        payload=result.event,
    )


def _action_changes(result: TransitionResult) -> tuple[list[Action], list[Action]]:
    """(actions to insert, actions to update), each in its final state after the trigger."""
    final = {action.id: action for action in result.case.actions if action.id is not None}
    touched = [*result.closed, *(action for action, _ in result.moved)]
    changed = {action.id: final.get(action.id, action) for action in touched if action.id is not None}
    new = [action for action in result.case.actions if action.id is None]
    return new, list(changed.values())


class Saved(NamedTuple):
    """A trigger's result with the case at its new version, and the case as stored (for CaseService to fire on unread)."""

    result: TransitionResult
    stored: LoadedCase


def save_result(
    connection: Transactional,
    loaded: LoadedCase | None,
    result: TransitionResult,
    actor: tuple[str, str],
    now: datetime,
) -> Saved:
    """Persist a trigger's result in the caller's transaction."""
    record = _audit_record(result, *actor)
    message = (TRANSITION_MESSAGE, result.outbox)
    changes = _action_changes(result)
    # fire()'s events hold codes, dates as text, counts and flags: no event data field is a float
    # (tests/unit/test_audit__float_free.py checks the models).
    stored = save_changes(connection, loaded, result.case, changes, (record, message), now, float_free=True)
    if result.case.version == stored.case.version:  # fire() counts the version on as the write does
        return Saved(result, stored)
    case = Case(**{**result.case.__dict__, "version": stored.case.version})
    return Saved(TransitionResult(**{**result.__dict__, "case": case}), stored)


def save(
    connection: Transactional,
    loaded: LoadedCase | None,
    result: TransitionResult,
    actor: tuple[str, str],
    now: datetime,
) -> TransitionResult:
    """Persist a trigger's result in the caller's transaction; returns it with the case at its new version."""
    return save_result(connection, loaded, result, actor, now).result
