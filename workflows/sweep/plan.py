"""The deadline sweep, set-based: plan per (authority, due date) in Python, let SQL do the work per batch.

Working days overdue depend on each authority's calendar, but there are few distinct due dates: the plan works
out, for every (authority, due date) that matters as of the sweep date, whether it is a reminder or which rung of
the escalation ladder it has reached. Those stages go into a per-connection temporary table keyed on (authority,
due date); each batch (a range of due dates) is then one transaction of a few INSERT ... SELECT statements that
join the open actions (a partial index on open actions' due dates) to their case and stage, leave out those that
already have their row, and rely on unique keys (ON CONFLICT DO NOTHING, or on PostgreSQL a retry with it if a
plain INSERT meets a row another writer just added), so a rerun, a resumed run or a second concurrent sweep creates
nothing twice. A `sweep_progress` row per due date is claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite
serialises writers anyway) and marked done in the same transaction, so two sweeps share the work instead of
repeating it, and a killed sweep's rerun picks up the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from states.policy import Policy
from states.working_days import WorkingDayCalendar
from workflows.logs import get_logger
from workflows.persistence import ActionRow, CaseRow, EscalationRow, ReminderRow, SweepProgressRow
from workflows.settings import utc_now

__all__ = [
    "PARALLEL_BATCHES",
    "REMINDER",
    "OverdueAction",
    "Stage",
    "SweepContext",
    "SweepReport",
    "ladder_levels",
    "parallel_batches",
    "plan",
    "plan_stages",
    "report",
    "run_sweep",
    "sweep_batch",
    "sweep_leftovers",
]

REMINDER = "reminder"
DEFAULT_MAX_BATCHES = 10
# Below this many actions a batch is not worth a task run of its own: each batch reads its own cases (on
# PostgreSQL a hash of the whole cases table) and in the flow costs a task run. 150,000 overdue actions make
# three batches.
MIN_BATCH_ACTIONS = 50_000
DEFAULT_OVERDUE_LIMIT = 200
# Batches in flight at once on PostgreSQL: one per core of the machines this runs on.
PARALLEL_BATCHES = 2

_actions = ActionRow.__table__
_cases = CaseRow.__table__
_reminders = ReminderRow.__table__
_escalations = EscalationRow.__table__
_progress = SweepProgressRow.__table__
# A literal, not a bound parameter: only then may SQLite (and a generic PostgreSQL plan) use the partial index of
# open actions (migration 0004).
_OPEN = _actions.c.status == literal_column("'open'")

# Not part of the application schema: a temporary table per connection holding the stages of the work in hand.
_stage = Table(
    "sweep_stage",
    MetaData(),
    Column("authority", String(64), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("level", String(32), nullable=False),
    Column("days", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)

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
        .where(_OPEN, _actions.c.due_on < horizon)
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


def _fill_stages(connection: Connection, stages: Sequence[Stage]) -> None:
    """Put the stages in this connection's temporary stage table, replacing what it held."""
    connection.execute(CreateTable(_stage, if_not_exists=True))
    # PostgreSQL empties it at every commit (ON COMMIT DELETE ROWS); SQLite keeps rows until told.
    connection.execute(delete(_stage))
    rows = [
        {"authority": s.authority, "due_on": s.due_on, "level": s.level, "days": s.working_days_overdue} for s in stages
    ]
    if rows:
        connection.execute(insert(_stage), rows)
    if connection.dialect.name == "postgresql":
        # A temporary table has no statistics until analysed; without them the planner guesses its size.
        connection.exec_driver_sql(f"ANALYZE {_stage.name}")


def _candidates(connection: Connection, first: date, last: date, *columns: Any) -> Subquery | CTE:
    """Open actions due from first to last with their case's authority (and `columns`), to join to the stages.

    On PostgreSQL read once (a MATERIALIZED CTE), then joined to the stages. Planned as one query, PostgreSQL drove
    the join from the stage table (one row per authority and due date) and read each due date's actions and their
    cases once per authority, four times the work: it cannot see that a due date in the range holds as many open
    actions as a due date in the whole table. SQLite plans the plain join well, and its driver reports no rowcount
    for an INSERT that starts with WITH, so there it stays a subquery that SQLite folds into the join.
    """
    query = (
        select(_actions.c.id, _actions.c.case_id, _actions.c.due_on, _cases.c.authority, *columns)
        .join_from(_actions, _cases, _cases.c.id == _actions.c.case_id)
        .where(_OPEN, _actions.c.due_on.between(first, last))
    )
    if connection.dialect.name == "postgresql":
        return query.cte("sweep_candidates").prefix_with("MATERIALIZED")
    return query.subquery("sweep_candidates")


def _staged(candidates: Subquery | CTE) -> Select[Any]:
    """The candidates with the stage their (authority, due date) has reached; those with none drop out."""
    stage_of = and_(_stage.c.authority == candidates.c.authority, _stage.c.due_on == candidates.c.due_on)
    return select(candidates.c.id).select_from(candidates.join(_stage, stage_of))


def _inserted(connection: Connection, statement: Any) -> int:
    # Without preserve_rowcount, SQLAlchemy leaves an INSERT's rowcount at -1 on PostgreSQL.
    return int(connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def _insert_level(connection: Connection, level: str, first: date, last: date, as_of: date, now: datetime) -> int:
    """Insert the reminders, or the escalations at one rung, of the staged open actions due from first to last."""
    candidates = _candidates(connection, first, last)
    action = candidates.c
    swept_on, created_at = literal(as_of, Date), literal(now, DateTime(timezone=True))
    if level == REMINDER:
        table, key = _reminders, ["action_id", "due_on"]
        columns = {
            "action_id": action.id,
            "case_id": action.case_id,
            "due_on": action.due_on,
            "swept_on": swept_on,
            "created_at": created_at,
        }
    else:
        table, key = _escalations, ["action_id", "level", "due_on"]
        columns = {
            "case_id": action.case_id,
            "action_id": action.id,
            "level": _stage.c.level,
            "source": literal("sweep"),
            "due_on": action.due_on,
            "working_days_overdue": _stage.c.days,
            "swept_on": swept_on,
            "raised_on": swept_on,
            "created_at": created_at,
        }
    already = select(literal(1)).where(*(table.c[name] == columns[name] for name in key))
    # In action id order, the new rows land in the unique and case indexes in order: about half the cost of
    # inserting them in due-date order. SQLite needs the WHERE (which the query has) before ON CONFLICT in
    # INSERT ... SELECT, or it reads ON as part of a join.
    source = (
        _staged(candidates)
        .with_only_columns(*columns.values())
        .where(_stage.c.level == level, ~already.exists())
        .order_by(action.id)
    )
    statement: Insert = _insert_for(connection, table).from_select(list(columns), source)
    if connection.dialect.name == "postgresql":
        # A plain INSERT of the rows the anti-join found missing: ON CONFLICT's speculative insertion costs about
        # twice as much per row (measured). Only a writer that added one of them since (a case transition) makes
        # it fail; then, from the savepoint, the keyed INSERT below skips that row.
        try:
            with connection.begin_nested():
                return _inserted(connection, statement)
        except IntegrityError:
            _log().info("sweep_insert_raced", level=level, first=first.isoformat(), last=last.isoformat())
    return _inserted(connection, statement.on_conflict_do_nothing(index_elements=key))  # type: ignore[attr-defined]


def _sweep_dates(
    connection: Connection, policies: Mapping[str, Policy], as_of: date, dates: Sequence[date], now: datetime
) -> Counter[str]:
    # Stages for every policy, not only the authorities with cases: a stage no case joins costs nothing, and
    # asking which authorities have cases would scan the cases table once per batch.
    stages = plan_stages(policies, policies, as_of, dates)
    _fill_stages(connection, stages)
    ranges: dict[str, tuple[date, date]] = {}
    for stage in stages:
        first, last = ranges.get(stage.level, (stage.due_on, stage.due_on))
        ranges[stage.level] = (min(first, stage.due_on), max(last, stage.due_on))
    created: Counter[str] = Counter()
    for level, (first, last) in sorted(ranges.items()):
        # One statement per level, so each level's count of new rows is the statement's own rowcount; each reads
        # only its own due dates from the index.
        created[level] += _insert_level(connection, level, first, last, as_of, now)
    return +created


def _mark_done(connection: Connection, as_of: date, dates: Sequence[date], now: datetime) -> None:
    connection.execute(
        update(_progress).where(_progress.c.as_of == as_of, _progress.c.due_on.in_(dates)).values(done_at=now)
    )


def _postgresql_settings(connection: Connection) -> None:
    """PostgreSQL, for this transaction only: a commit that does not wait for the disk, and room to sort and hash.

    Not waiting is safe here: a server crash can lose only the last few commits, and a lost batch loses its done
    marks with its rows, so the rerun sweeps those due dates again; nothing is told to anyone before the flow ends.
    The work memory holds the report's read of every staged action without spilling to a temporary file.
    """
    if connection.dialect.name == "postgresql":
        # set_config(..., true) is SET LOCAL: both in one round trip.
        connection.exec_driver_sql(
            "SELECT set_config('synchronous_commit', 'off', true), set_config('work_mem', '32MB', true)"
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
    now = now or utc_now()
    with context.engine.begin() as connection:
        _postgresql_settings(connection)
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


def _open_counts(connection: Connection, first: date, last: date) -> list[tuple[str, date, int]]:
    """Open actions per (authority, due date) from first to last.

    Grouped by what a stage is keyed on, and matched to the stages in Python: no per-action lookup of the stage.
    """
    query = (
        select(_cases.c.authority, _actions.c.due_on, func.count())
        .join_from(_actions, _cases, _cases.c.id == _actions.c.case_id)
        .where(_OPEN, _actions.c.due_on.between(first, last))
        .group_by(_cases.c.authority, _actions.c.due_on)
    )
    return [(authority, due, int(count)) for authority, due, count in connection.execute(query)]


def _raised_as_of(connection: Connection, as_of: date) -> Counter[str]:
    raised: Counter[str] = Counter()
    query = select(_escalations.c.level, func.count()).where(_escalations.c.swept_on == as_of)
    raised.update({level: int(count) for level, count in connection.execute(query.group_by(_escalations.c.level))})
    reminders = connection.execute(select(func.count()).where(_reminders.c.swept_on == as_of)).scalar_one()
    if reminders:
        raised[REMINDER] = int(reminders)
    return raised


def _overdue_lines(connection: Connection, late: Sequence[tuple[date, int]], limit: int) -> list[OverdueAction]:
    """The first `limit` overdue actions, most overdue first, from the due dates with a late stage (and how many
    open actions each has), oldest first.

    Read a window of due dates at a time, each holding at least as many open actions as lines still wanted: one
    window nearly always, not every late action with its case reference. The stage join drops the actions of an
    authority not yet late on that date, hence the next window; windows follow in due-date order, so the lines do.
    """
    lines: list[OverdueAction] = []
    start = 0
    while start < len(late) and len(lines) < limit:
        wanted, end, held = limit - len(lines), start, 0
        while end < len(late) and held < wanted:
            held += late[end][1]
            end += 1
        lines += _overdue_window(connection, late[start][0], late[end - 1][0], wanted)
        start = end
    return lines


def _overdue_window(connection: Connection, first: date, last: date, limit: int) -> list[OverdueAction]:
    candidates = _candidates(connection, first, last, _cases.c.reference, _actions.c.kind, _actions.c.owner_role)
    action = candidates.c
    query = (
        _staged(candidates)
        .with_only_columns(
            action.reference, action.kind, action.owner_role, action.due_on, _stage.c.days, _stage.c.level
        )
        .where(_stage.c.days > 0)
        .order_by(action.due_on, action.id)
        .limit(limit)
    )
    return [OverdueAction(*row) for row in connection.execute(query)]


def report(
    context: SweepContext, as_of: date, created: Mapping[str, int] | None = None, limit: int = DEFAULT_OVERDUE_LIMIT
) -> SweepReport:
    """Counts per level as of `as_of` and the first `limit` overdue actions, most overdue first."""
    found = SweepReport(as_of=as_of, created_by_run=dict(created or {}))
    with context.engine.connect() as connection:
        _postgresql_settings(connection)
        found.raised_as_of = dict(_raised_as_of(connection, as_of))
        sized = _open_due_counts(connection, reminder_horizon(context.policies, as_of))
        stages = plan_stages(context.policies, context.policies, as_of, [due for due, _ in sized])
        if not stages:
            return found
        stage_of = {(stage.authority, stage.due_on): stage for stage in stages}
        first, last = min(stage.due_on for stage in stages), max(stage.due_on for stage in stages)
        for authority, due, count in _open_counts(connection, first, last):
            stage = stage_of.get((authority, due))
            if stage is not None:
                found.open_at_level[stage.level] = found.open_at_level.get(stage.level, 0) + count
                found.overdue_total += count if stage.working_days_overdue > 0 else 0
        _fill_stages(connection, stages)
        late = {stage.due_on for stage in stages if stage.working_days_overdue > 0}
        found.overdue = _overdue_lines(connection, [(due, size) for due, size in sized if due in late], limit)
    return found


def parallel_batches(engine: Engine) -> int:
    """How many batches may run at once: two on PostgreSQL (row locks keep them apart, and a server process per
    connection uses both cores); one on SQLite, which has one writer at a time anyway."""
    return PARALLEL_BATCHES if engine.dialect.name == "postgresql" else 1


def run_sweep(
    context: SweepContext,
    as_of: date,
    max_batches: int = DEFAULT_MAX_BATCHES,
    min_batch_actions: int = MIN_BATCH_ACTIONS,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """The whole sweep in this process, without Prefect: plan, every batch, leftovers, report.

    `on_progress(done, total)` is told of each step (the batches and the leftovers pass), e.g. for a progress bar.
    """
    with context.engine.begin() as connection:
        batches = plan(connection, context.policies, as_of, max_batches, min_batch_actions)
    progress = on_progress or (lambda _done, _total: None)
    total = len(batches) + 1
    progress(0, total)
    created: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=parallel_batches(context.engine)) as pool:
        swept = pool.map(lambda batch: sweep_batch(context, as_of, *batch, now=now), batches)
        for done, new_rows in enumerate(swept, start=1):
            created.update(new_rows)
            progress(done, total)
    created.update(sweep_leftovers(context, as_of, now=now))
    progress(total, total)
    return report(context, as_of, created)
