"""The deadline sweep, set-based: plan per (authority, due date) in Python, let SQL do the work per batch.

Working days overdue depend on each authority's calendar, but there are few distinct due dates: the plan works
out, for every (authority, due date) that matters as of the sweep date, whether it is a reminder or which rung of
the escalation ladder it has reached. Each batch (a range of due dates) is then one transaction of a few
INSERT ... SELECT statements over the (status, due_on) index, with unique keys and ON CONFLICT DO NOTHING, so a
rerun, a resumed run or a second concurrent sweep creates nothing twice. A `sweep_progress` row per due date is
claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway) and marked done in the same
transaction, so two sweeps share the work instead of repeating it, and a killed sweep's rerun picks up the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Insert,
    Integer,
    String,
    Table,
    and_,
    column,
    func,
    literal,
    select,
    true,
    update,
    values,
)
from sqlalchemy.dialects import postgresql, sqlite

from states.policy import Policy
from states.working_days import WorkingDayCalendar
from workflows.escalation_models import EscalationRow, ReminderRow, SweepProgressRow
from workflows.logs import get_logger
from workflows.models import ActionRow, CaseRow

__all__ = [
    "REMINDER",
    "SweepContext",
    "SweepReport",
    "OverdueAction",
    "Stage",
    "ladder_levels",
    "plan",
    "plan_stages",
    "report",
    "run_sweep",
    "sweep_batch",
    "sweep_leftovers",
]

REMINDER = "reminder"
OPEN = "open"
DEFAULT_MAX_BATCHES = 10
# Below this many actions a batch is not worth a task run of its own.
MIN_BATCH_ACTIONS = 5_000
DEFAULT_OVERDUE_LIMIT = 200

_actions = ActionRow.__table__
_cases = CaseRow.__table__
_reminders: Table = ReminderRow.__table__  # type: ignore[assignment]
_escalations: Table = EscalationRow.__table__  # type: ignore[assignment]
_progress: Table = SweepProgressRow.__table__  # type: ignore[assignment]

LOGGER = "caseflow.sweep"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


@dataclass(frozen=True)
class SweepContext:
    """What a sweep needs: the application database and every authority's policy."""

    engine: Engine
    policies: Mapping[str, Policy]


@dataclass(frozen=True)
class Stage:
    """Where the open actions of one authority due on one date stand as of the sweep date."""

    authority: str
    due_on: date
    level: str  # REMINDER, or a rung of the escalation ladder
    working_days_overdue: int  # negative: working days still to go before a reminder's due date


def _working_day_counts(calendar: WorkingDayCalendar, start: date, end: date) -> dict[date, int]:
    """For each day from start to end: how many working days lie in (start, day]; one pass, not one per date."""
    counts, total, day = {start: 0}, 0, start
    while day < end:
        day += timedelta(days=1)
        total += calendar.is_working_day(day)
        counts[day] = total
    return counts


def _authority_stages(name: str, policy: Policy, as_of: date, due_dates: Sequence[date]) -> Iterable[Stage]:
    calendar = policy.calendar()
    past = [due for due in due_dates if due <= as_of]
    counts = _working_day_counts(calendar, min(past), as_of) if past else {}
    for due in due_dates:
        if due > as_of:
            if policy.reminder_date(due) <= as_of:
                yield Stage(name, due, REMINDER, -calendar.working_days_between(as_of, due))
            continue
        overdue = counts[as_of] - counts[due]
        rung = policy.escalation_level(overdue)
        if rung is not None:
            yield Stage(name, due, rung.level, overdue)


def plan_stages(
    policies: Mapping[str, Policy], authorities: Iterable[str], as_of: date, due_dates: Sequence[date]
) -> list[Stage]:
    """The stage of every (authority, due date) that needs a reminder or has reached a rung, as of `as_of`."""
    stages: list[Stage] = []
    for name in sorted(set(authorities)):
        if name in policies:
            stages.extend(_authority_stages(name, policies[name], as_of, due_dates))
    return stages


def reminder_horizon(policies: Mapping[str, Policy], as_of: date) -> date:
    """A due date beyond which no policy reminds anyone as of `as_of`."""
    return max(
        policy.calendar().add_working_days(as_of, policy.reminders.before_due_working_days + 1)
        for policy in policies.values()
    )


def _open_due_counts(connection: Connection, horizon: date) -> list[tuple[date, int]]:
    query = (
        select(_actions.c.due_on, func.count())
        .where(_actions.c.status == OPEN, _actions.c.due_on < horizon)
        .group_by(_actions.c.due_on)
        .order_by(_actions.c.due_on)
    )
    return [(row[0], int(row[1])) for row in connection.execute(query)]


def _authorities(connection: Connection) -> list[str]:
    return list(connection.execute(select(_cases.c.authority).distinct()).scalars())


def _split(sized_dates: Sequence[tuple[date, int]], max_batches: int, floor: int) -> list[tuple[date, date]]:
    """Contiguous ranges of due dates holding roughly equal numbers of actions, at most max_batches of them."""
    total = sum(size for _, size in sized_dates)
    target = max(floor, -(-total // max_batches))
    batches: list[list[date]] = [[]]
    filled = 0
    for due, size in sized_dates:
        if filled >= target and len(batches) < max_batches:
            batches.append([])
            filled = 0
        batches[-1].append(due)
        filled += size
    return [(batch[0], batch[-1]) for batch in batches if batch]


def _insert_for(connection: Connection, table: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def plan(
    connection: Connection,
    policies: Mapping[str, Policy],
    as_of: date,
    max_batches: int = DEFAULT_MAX_BATCHES,
    min_batch_actions: int = MIN_BATCH_ACTIONS,
) -> list[tuple[date, date]]:
    """Record the due dates this sweep must handle and return them as at most max_batches ranges."""
    authorities = _authorities(connection)
    unknown = sorted(set(authorities) - set(policies))
    if unknown:
        # Those cases' actions are left alone; the sweep goes on for every other authority.
        _log().warning("sweep_authority_without_policy", authorities=unknown)
    sized = _open_due_counts(connection, reminder_horizon(policies, as_of))
    staged = {stage.due_on for stage in plan_stages(policies, authorities, as_of, [due for due, _ in sized])}
    sized = [(due, size) for due, size in sized if due in staged]
    if sized:
        rows = [{"as_of": as_of, "due_on": due} for due, _ in sized]
        insert = _insert_for(connection, _progress)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["as_of", "due_on"]), rows)
    return _split(sized, max(1, max_batches), max(1, min_batch_actions))


def _claim(connection: Connection, as_of: date, first: date, last: date, wait: bool) -> list[date]:
    query = (
        select(_progress.c.due_on)
        .where(_progress.c.as_of == as_of, _progress.c.due_on.between(first, last), _progress.c.done_at.is_(None))
        .order_by(_progress.c.due_on)
        .with_for_update(skip_locked=not wait)
    )
    return list(connection.execute(query).scalars())


def _stage_values(stages: Sequence[Stage]) -> Any:
    columns = (column("authority", String), column("due_on", Date), column("level", String), column("days", Integer))
    rows = [(stage.authority, stage.due_on, stage.level, stage.working_days_overdue) for stage in stages]
    return values(*columns, name="stage").data(rows).cte("stage")


def _staged_actions(stages: Sequence[Stage]) -> Any:
    """SELECT of the open actions each stage applies to, with the stage's columns."""
    stage = _stage_values(stages)
    return (
        select(_actions.c.id, _actions.c.case_id, _actions.c.due_on, stage.c.level, stage.c.days)
        .select_from(_actions)
        .join(_cases, _cases.c.id == _actions.c.case_id)
        .join(stage, and_(stage.c.authority == _cases.c.authority, stage.c.due_on == _actions.c.due_on))
        .where(_actions.c.status == OPEN, _actions.c.due_on.in_(sorted({s.due_on for s in stages})))
    )


def _inserted(connection: Connection, statement: Any) -> int:
    # Without preserve_rowcount, SQLAlchemy leaves an INSERT's rowcount at -1 on PostgreSQL; Python's sqlite3
    # reports -1 for a statement that starts with WITH, so SQLite is asked with changes().
    rowcount = connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount
    if rowcount < 0 and connection.dialect.name == "sqlite":
        rowcount = connection.execute(select(func.changes())).scalar_one()
    return int(rowcount)


# SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT, or it reads ON as part of a join.


def _insert_reminders(connection: Connection, stages: Sequence[Stage], as_of: date, now: datetime) -> int:
    staged = _staged_actions(stages).subquery()
    source = select(staged.c.id, staged.c.case_id, staged.c.due_on, literal(as_of, Date), literal(now)).where(true())
    insert: Insert = _insert_for(connection, _reminders).from_select(
        ["action_id", "case_id", "due_on", "swept_on", "created_at"], source
    )
    statement = insert.on_conflict_do_nothing(index_elements=["action_id", "due_on"])  # type: ignore[attr-defined]
    return _inserted(connection, statement)


def _insert_escalations(connection: Connection, stages: Sequence[Stage], as_of: date, now: datetime) -> int:
    staged = _staged_actions(stages).subquery()
    source = select(
        staged.c.case_id, staged.c.id, staged.c.level, literal("sweep"), staged.c.due_on, staged.c.days,
        literal(as_of, Date), literal(as_of, Date), literal(now),
    ).where(true())  # fmt: skip
    columns = [
        "case_id", "action_id", "level", "source", "due_on", "working_days_overdue", "swept_on", "raised_on",
        "created_at",
    ]  # fmt: skip
    insert: Insert = _insert_for(connection, _escalations).from_select(columns, source)
    statement = insert.on_conflict_do_nothing(index_elements=["action_id", "level", "due_on"])  # type: ignore[attr-defined]
    return _inserted(connection, statement)


def _sweep_dates(
    connection: Connection, policies: Mapping[str, Policy], as_of: date, dates: Sequence[date], now: datetime
) -> Counter[str]:
    stages = plan_stages(policies, _authorities(connection), as_of, dates)
    created: Counter[str] = Counter()
    levels = sorted({stage.level for stage in stages})
    for level in levels:
        of_level = [stage for stage in stages if stage.level == level]
        insert = _insert_reminders if level == REMINDER else _insert_escalations
        # One statement per level, so each level's count of new rows is the statement's own rowcount.
        created[level] += insert(connection, of_level, as_of, now)
    return created


def _mark_done(connection: Connection, as_of: date, dates: Sequence[date], now: datetime) -> None:
    connection.execute(
        update(_progress).where(_progress.c.as_of == as_of, _progress.c.due_on.in_(dates)).values(done_at=now)
    )


def sweep_batch(
    context: SweepContext,
    as_of: date,
    first: date,
    last: date,
    *,
    wait: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Sweep the unclaimed, unfinished due dates in [first, last] in one transaction; new rows per level.

    wait=False skips dates another sweep holds (SKIP LOCKED); wait=True waits for it, then takes what it left.
    """
    now = now or datetime.now(UTC)
    with context.engine.begin() as connection:
        dates = _claim(connection, as_of, first, last, wait)
        if not dates:
            return {}
        created = _sweep_dates(connection, context.policies, as_of, dates, now)
        _mark_done(connection, as_of, dates, now)
    _log().info("sweep_batch_done", as_of=as_of.isoformat(), due_dates=len(dates), created=dict(created))
    return dict(created)


def sweep_leftovers(context: SweepContext, as_of: date, now: datetime | None = None) -> dict[str, int]:
    """Finish every due date of `as_of` still undone: those another sweep held, or a killed sweep left."""
    return sweep_batch(context, as_of, date.min, date.max, wait=True, now=now)


@dataclass(frozen=True)
class OverdueAction:
    """One line of the overdue table: ids and dates only, nothing personal."""

    case_reference: str
    action: str
    owner_role: str
    due_on: date
    working_days_late: int
    level: str


@dataclass
class SweepReport:
    """What a sweep found and did as of one date: counts per level and the most overdue actions."""

    as_of: date
    open_at_level: dict[str, int] = field(default_factory=dict)
    raised_as_of: dict[str, int] = field(default_factory=dict)
    created_by_run: dict[str, int] = field(default_factory=dict)
    overdue_total: int = 0
    overdue: list[OverdueAction] = field(default_factory=list)


def ladder_levels(policies: Mapping[str, Policy]) -> list[str]:
    """Reminder first, then every rung of the escalation ladders in order."""
    ladder = [rung.level for policy in policies.values() for rung in policy.escalation]
    return [REMINDER, *dict.fromkeys(ladder)]


def _stage_counts(connection: Connection, stages: Sequence[Stage]) -> Counter[tuple[str, bool]]:
    """Open actions per (level, whether late) across the given stages."""
    counts: Counter[tuple[str, bool]] = Counter()
    by_key = {(stage.authority, stage.due_on): stage for stage in stages}
    if not by_key:
        return counts
    # Grouped in SQL by (authority, due date), mapped to stages here: no join against a list of stages per row.
    query = (
        select(_cases.c.authority, _actions.c.due_on, func.count())
        .join(_cases, _cases.c.id == _actions.c.case_id)
        .where(_actions.c.status == OPEN, _actions.c.due_on.in_(sorted({due for _, due in by_key})))
        .group_by(_cases.c.authority, _actions.c.due_on)
    )
    for authority, due_on, count in connection.execute(query):
        stage = by_key.get((authority, due_on))
        if stage is not None:
            counts[(stage.level, stage.working_days_overdue > 0)] += int(count)
    return counts


def _raised_as_of(connection: Connection, as_of: date) -> Counter[str]:
    raised: Counter[str] = Counter()
    query = select(_escalations.c.level, func.count()).where(_escalations.c.swept_on == as_of)
    raised.update({level: int(count) for level, count in connection.execute(query.group_by(_escalations.c.level))})
    reminders = connection.execute(select(func.count()).where(_reminders.c.swept_on == as_of)).scalar_one()
    if reminders:
        raised[REMINDER] = int(reminders)
    return raised


def _overdue_lines(connection: Connection, stages: Sequence[Stage], limit: int) -> list[OverdueAction]:
    late = {(stage.authority, stage.due_on): stage for stage in stages if stage.working_days_overdue > 0}
    if not late:
        return []
    query = (
        select(_cases.c.reference, _cases.c.authority, _actions.c.kind, _actions.c.owner_role, _actions.c.due_on)
        .join(_cases, _cases.c.id == _actions.c.case_id)
        .where(_actions.c.status == OPEN, _actions.c.due_on.in_(sorted({due for _, due in late})))
        .order_by(_actions.c.due_on, _actions.c.id)
    )
    lines: list[OverdueAction] = []
    # Streamed, and closed early once the table is full: memory stays flat however many actions are late.
    with connection.execution_options(yield_per=500).execute(query) as rows:
        for row in rows:
            stage = late.get((row.authority, row.due_on))
            if stage is not None:
                line = (row.reference, row.kind, row.owner_role, row.due_on, stage.working_days_overdue, stage.level)
                lines.append(OverdueAction(*line))
            if len(lines) >= limit:
                break
    return lines


def report(
    context: SweepContext, as_of: date, created: Mapping[str, int] | None = None, limit: int = DEFAULT_OVERDUE_LIMIT
) -> SweepReport:
    """Counts per level as of `as_of` and the first `limit` overdue actions, most overdue first."""
    with context.engine.connect() as connection:
        horizon = reminder_horizon(context.policies, as_of)
        dates = [due for due, _ in _open_due_counts(connection, horizon)]
        stages = plan_stages(context.policies, _authorities(connection), as_of, dates)
        counts = _stage_counts(connection, stages)
        at_level: Counter[str] = Counter()
        for (level, _late), count in counts.items():
            at_level[level] += count
        return SweepReport(
            as_of=as_of,
            open_at_level=dict(at_level),
            raised_as_of=dict(_raised_as_of(connection, as_of)),
            created_by_run=dict(created or {}),
            overdue_total=sum(count for (_level, late), count in counts.items() if late),
            overdue=_overdue_lines(connection, stages, limit),
        )


def run_sweep(
    context: SweepContext,
    as_of: date,
    max_batches: int = DEFAULT_MAX_BATCHES,
    min_batch_actions: int = MIN_BATCH_ACTIONS,
    now: datetime | None = None,
) -> SweepReport:
    """The whole sweep in this process, without Prefect: plan, every batch, leftovers, report."""
    with context.engine.begin() as connection:
        batches = plan(connection, context.policies, as_of, max_batches, min_batch_actions)
    created: Counter[str] = Counter()
    for first, last in batches:
        created.update(sweep_batch(context, as_of, first, last, now=now))
    created.update(sweep_leftovers(context, as_of, now=now))
    return report(context, as_of, created)
