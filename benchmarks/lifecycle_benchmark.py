"""Benchmark of the persisted trigger path: cases driven through a whole lifecycle by CaseService.

In one run: N cases through 19 triggers each (referral to closure through an initial conference, a plan and one
review) on a fresh migrated SQLite file in WAL mode (and on PostgreSQL if asked); a bare sqlite3 baseline that
commits the same rows per trigger with no application code; and the same path through SpiffWorkflow with the
workflow loaded from and saved to SQLite at each step. Prints triggers/s on the wall clock and in process CPU
time, peak memory, the ratios, and PASS/FAIL against the targets (3,000 triggers/s on SQLite, 10x Spiff).

    python benchmarks/lifecycle_benchmark.py [--cases 500] [--spiff-cases 100] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

# Run as a script, only this folder is on the path; the Spiff driver is imported as the tests import it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.spiff_lifecycle import load_spec, run_path
from states import Action, Actor, fire
from tests.case_paths import BUSINESS_SUPPORT, CHAIR, ICPC_WORK, SOCIAL_WORKER, TEAM_MANAGER
from workflows.diagrams import export_bpmn
from workflows.persistence import (
    ACTION_FIELDS,
    CASE_COLUMNS,
    CHANGEABLE_FIELDS,
    SQLITE_PRAGMAS,
    ActionRow,
    AuditEventRow,
    CaseRow,
    OutboxRow,
    audit,
    case_values,
    load_all_policies,
    make_engine,
    make_session_factory,
    schema,
)
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

TARGET_RATE = 3_000  # persisted triggers/s on SQLite
TARGET_SPIFF_RATIO = 10.0
AUTHORITY = "default"


@dataclass(frozen=True)
class Trigger:
    """One trigger of the path: what is fired, with what data, on which day, by whom, and its Spiff step."""

    name: str
    data: dict[str, Any]
    today: date
    actor: Actor
    spiff: str


REVIEW_WORK = ("chair_pre_meeting", "send_leaflet", "submit_agency_reports", "share_reports_with_family")


def _done(kinds: tuple[str, ...], on: date) -> list[Trigger]:
    data = [{"kind": kind, "done_on": on.isoformat()} for kind in kinds]
    return [Trigger("complete_action", item, on, BUSINESS_SUPPORT, "complete_action") for item in data]


# Data as a JSON request would carry it (dates as ISO text), so validation does its real work.
PATH: tuple[Trigger, ...] = (
    Trigger(
        "receive_referral",
        {"referral_date": "2026-11-02", "date_of_birth": "2016-05-01", "team": "east"},
        date(2026, 11, 2),
        SOCIAL_WORKER,
        "receive_referral",
    ),
    Trigger("start_s47", {"strategy_discussion_date": "2026-11-03"}, date(2026, 11, 3), SOCIAL_WORKER, "start_s47"),
    Trigger(
        "convene_icpc",
        {"decision_date": "2026-11-04", "conference_date": "2026-11-24"},
        date(2026, 11, 4),
        TEAM_MANAGER,
        "convene_icpc",
    ),
    *_done(ICPC_WORK, date(2026, 11, 20)),
    Trigger(
        "hold_icpc",
        {"date": "2026-11-24", "outcome": "cp_plan", "category": "NEG"},
        date(2026, 11, 24),
        CHAIR,
        "hold_icpc(cp_plan)",
    ),
    Trigger("hold_core_group", {"date": "2026-12-03"}, date(2026, 12, 3), SOCIAL_WORKER, "hold_core_group"),
    Trigger(
        "record_visit",
        {"date": "2026-12-04", "child_seen": True, "seen_alone": True},
        date(2026, 12, 4),
        SOCIAL_WORKER,
        "record_visit",
    ),
    Trigger("convene_review", {"conference_date": "2027-02-10"}, date(2027, 1, 11), CHAIR, "convene_review"),
    *_done(REVIEW_WORK, date(2027, 2, 5)),
    Trigger(
        "hold_review",
        {"date": "2027-02-10", "outcome": "end_plan_cin", "exceptional_reason": "Risk reduced"},
        date(2027, 2, 10),
        CHAIR,
        "hold_review(end_plan_cin)",
    ),
    Trigger(
        "close_case",
        {"date": "2027-03-01", "reason": "CIN plan completed"},
        date(2027, 3, 1),
        TEAM_MANAGER,
        "close_case",
    ),
)


def reference(number: int) -> str:
    return f"CP-{number:07d}"


@dataclass(frozen=True)
class Rate:
    """Units of work done, and the wall and process CPU seconds they took."""

    count: int
    wall: float
    cpu: float

    @property
    def per_second(self) -> float:
        return self.count / self.wall

    @property
    def per_cpu_second(self) -> float:
        return self.count / self.cpu

    def line(self, unit: str) -> str:
        return (
            f"{self.count:,} {unit} in {self.wall:.2f} s wall / {self.cpu:.2f} s CPU: "
            f"{self.per_second:,.0f}/s wall, {self.per_cpu_second:,.0f}/s CPU"
        )


@contextmanager
def timed(into: list[Rate], count: int) -> Iterator[None]:
    began, began_cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Rate(count, time.perf_counter() - began, time.process_time() - began_cpu))


# --- ours: CaseService on a fresh migrated database


def drive(service: CaseService, cases: int) -> int:
    """Fire the whole path on `cases` cases, one step at a time across all cases (many cases live at once)."""
    fired = 0
    for trigger in PATH:
        for number in range(cases):
            ref = reference(number)
            service.fire(ref, trigger.name, trigger.data, trigger.actor, trigger.today, authority=AUTHORITY)
            fired += 1
    return fired


def fresh_service(url: str) -> tuple[Engine, CaseService]:
    engine = make_engine(url)
    schema.upgrade(engine)
    policies = load_all_policies(Path(REPOSITORY_CONFIG_DIR) / "policies")
    return engine, CaseService(make_session_factory(engine), policies, default_authority=AUTHORITY)


def check(engine: Engine, cases: int) -> str:
    """Row counts and the audit chain after the run, so the figures are known to come from the real work."""
    with engine.connect() as connection:
        counts = {
            row.__tablename__: connection.execute(select(func.count()).select_from(row)).scalar_one()
            for row in (CaseRow, ActionRow, AuditEventRow, OutboxRow)
        }
        closed = connection.execute(select(func.count()).where(CaseRow.status == "closed")).scalar_one()
        report = audit.verify(connection)
    expected = cases * len(PATH)
    ok = counts["audit_events"] == counts["outbox"] == expected and closed == cases and report.ok
    verdict = "ok" if ok else "WRONG"
    return f"rows {counts}, closed cases {closed}/{cases}, audit chains verify: {report.ok} -> {verdict}"


def ours(url: str, cases: int) -> tuple[Rate, str]:
    engine, service = fresh_service(url)
    rates: list[Rate] = []
    try:
        with timed(rates, cases * len(PATH)):
            drive(service, cases)
        return rates[0], check(engine, cases)
    finally:
        engine.dispose()


def traced_peak(url: str, cases: int) -> float:
    """Python heap peak (MB) of the same run under tracemalloc, on another fresh database (tracing is slow)."""
    engine, service = fresh_service(url)
    tracemalloc.start()
    try:
        drive(service, cases)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
        engine.dispose()


# --- bare SQLite: the same rows per trigger, committed with sqlite3 and no application code


@dataclass(frozen=True)
class RowPlan:
    """The rows one trigger writes, with the values our write path gives them (in SQLite's text forms): the case
    row (insert or update), the actions opened, the actions changed (by the order
    they were opened in: 1 is the case's first), the audit and outbox payloads."""

    case_columns: dict[str, Any]
    creates: bool
    opened: list[tuple[Any, ...]]
    changed: list[tuple[int, tuple[Any, ...]]]
    audit_payload: str
    outbox_payload: str


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    return value.isoformat() if isinstance(value, date) else value


def _action_values(action: Action, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_sqlite_value(getattr(action, name)) for name in names)


def row_plans(now: datetime) -> list[RowPlan]:
    """Per trigger of the path, the rows our write path commits (from the pure domain, with real payloads)."""
    policy = load_all_policies(Path(REPOSITORY_CONFIG_DIR) / "policies")[AUTHORITY]
    case, plans, opened_so_far = None, [], 0
    for trigger in PATH:
        result = fire(case, trigger.name, trigger.data, trigger.actor, trigger.today, policy, reference(0), AUTHORITY)
        values = case_values(result.case, result.case.version, now)
        changed = [*result.closed, *(action for action, _ in result.moved)]
        plans.append(
            RowPlan(
                {name: _sqlite_value(values[name]) for name in CASE_COLUMNS},
                case is None,
                [_action_values(action, ACTION_FIELDS) for action in result.opened],
                [(action.id, _action_values(action, CHANGEABLE_FIELDS)) for action in changed if action.id is not None],
                json.dumps(result.event),
                json.dumps(result.outbox),
            )
        )
        case = result.case
        for action in case.actions:  # ids as if saved, in the order opened: the next step updates, not inserts
            if action.id is None:
                opened_so_far += 1
                action.id = opened_so_far
    return plans


def _case_sql(plan: RowPlan) -> str:
    names = list(plan.case_columns)
    if plan.creates:
        columns = ", ".join(["reference", "authority", "created_at", *names])
        return f"INSERT INTO cases ({columns}) VALUES (?, ?, ?{', ?' * len(names)}) RETURNING id"
    return f"UPDATE cases SET {', '.join(f'{name} = ?' for name in names)} WHERE id = ? AND version = ?"


INSERT_ACTION = (
    f"INSERT INTO actions (case_id, {', '.join(ACTION_FIELDS)}) VALUES (?{', ?' * len(ACTION_FIELDS)}) RETURNING id"
)
UPDATE_ACTION = f"UPDATE actions SET {', '.join(f'{name} = ?' for name in CHANGEABLE_FIELDS)} WHERE id = ?"


def bare_sqlite(path: Path, cases: int) -> Rate:
    """sqlite3 alone, same schema, same settings (SQLITE_PRAGMAS): BEGIN IMMEDIATE, the trigger's rows, COMMIT.

    The same statements our write path runs, less its read of the case (a small query when the service kept it).
    """
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    now = datetime.now(UTC)
    plans, stamp = row_plans(now), now.replace(tzinfo=None).isoformat(" ", "microseconds")
    statements = [_case_sql(plan) for plan in plans]
    case_ids: dict[int, int] = {}
    action_ids: dict[int, list[int]] = {number: [] for number in range(cases)}
    rates: list[Rate] = []
    with timed(rates, cases * len(plans)):
        for seq, (plan, case_sql) in enumerate(zip(plans, statements, strict=True), start=1):
            values = tuple(stamp if name == "updated_at" else value for name, value in plan.case_columns.items())
            for number in range(cases):
                db.execute("BEGIN IMMEDIATE")
                if plan.creates:
                    case_ids[number] = db.execute(case_sql, (reference(number), AUTHORITY, stamp, *values)).fetchone()[
                        0
                    ]
                else:
                    db.execute(case_sql, (*values, case_ids[number], seq - 1))
                ids = action_ids[number]
                for opened in plan.opened:
                    ids.append(db.execute(INSERT_ACTION, (case_ids[number], *opened)).fetchone()[0])
                if plan.changed:
                    db.executemany(UPDATE_ACTION, [(*values, ids[local - 1]) for local, values in plan.changed])
                db.execute(
                    "INSERT INTO audit_events (case_reference, seq, event_type, trigger, actor_id, actor_role, "
                    "occurred_on, recorded_at, from_status, to_status, payload, prev_hash, hash) "
                    "VALUES (?, ?, 'trigger_fired', ?, 'sw-1', 'social_worker', '2026-11-20', ?, ?, ?, ?, ?, ?)",
                    (
                        reference(number),
                        seq,
                        "complete_action",
                        stamp,
                        "referred",
                        "referred",
                        plan.audit_payload,
                        "0" * 64,
                        "f" * 64,
                    ),
                )
                db.execute(
                    "INSERT INTO outbox (case_reference, idempotency_key, event_type, payload, created_at, attempts) "
                    "VALUES (?, ?, 'case_transition', ?, ?, 0)",
                    (reference(number), f"{reference(number)}:{seq}", plan.outbox_payload, stamp),
                )
                db.execute("COMMIT")
    db.close()
    return rates[0]


# --- SpiffWorkflow: the same path, workflow loaded from and saved to SQLite at each step


def spiff(folder: Path, cases: int) -> Rate:
    bpmn_path = export_bpmn(folder / "lifecycle.bpmn")
    spec = load_spec(bpmn_path)
    steps = [trigger.spiff for trigger in PATH]
    runs = [run_path(bpmn_path, steps, folder / "spiff.db", number + 1, spec) for number in range(cases)]
    if not all(run.completed for run in runs):
        raise SystemExit("SpiffWorkflow did not complete the path")
    return Rate(cases * len(steps), sum(run.seconds for run in runs), sum(run.cpu_seconds for run in runs))


# --- the report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


@contextmanager
def postgres_url(root: Path) -> Iterator[str]:
    import pgserver  # optional: only for --backend postgresql|both

    server = pgserver.get_server(root, cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


def report(name: str, rate: Rate, bare: Rate, spiff_rate: Rate, rows: str, peak: float) -> list[str]:
    ratio_spiff = rate.per_second / spiff_rate.per_second
    ratio_spiff_cpu = rate.per_cpu_second / spiff_rate.per_cpu_second
    lines = [
        f"== caseflow on {name}: {rate.line('persisted triggers')}",
        f"   {rows}",
        f"   Python heap peak above the run's start (tracemalloc, a separate run of the same size): {peak:.1f} MB",
        f"   ours / SpiffWorkflow: {ratio_spiff:.1f}x wall, {ratio_spiff_cpu:.1f}x CPU",
        f"   ours / bare SQLite: {rate.per_second / bare.per_second:.2f} wall, "
        f"{rate.per_cpu_second / bare.per_cpu_second:.2f} CPU",
    ]
    if name != "sqlite":
        # The targets are for SQLite; PostgreSQL's own work runs in its server process, outside this CPU time.
        return [*lines, "   (CPU time is this process only: the PostgreSQL server's work is not in it)"]
    return [
        *lines,
        f"   target {TARGET_RATE:,} triggers/s on SQLite: {verdict(rate.per_second >= TARGET_RATE)} wall, "
        f"{verdict(rate.per_cpu_second >= TARGET_RATE)} CPU",
        f"   target {TARGET_SPIFF_RATIO:.0f}x SpiffWorkflow: {verdict(ratio_spiff >= TARGET_SPIFF_RATIO)} wall, "
        f"{verdict(ratio_spiff_cpu >= TARGET_SPIFF_RATIO)} CPU",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500, help="cases driven through the path (19 triggers each)")
    parser.add_argument("--spiff-cases", type=int, default=100, help="cases for the SpiffWorkflow comparison")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    print(f"{load_line()} at start; path of {len(PATH)} triggers: {', '.join(t.spiff for t in PATH)}", flush=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        bare = bare_sqlite(folder / "bare.db", args.cases)
        print(f"bare sqlite3, same rows per trigger: {bare.line('commits')}", flush=True)
        spiff_rate = spiff(folder, args.spiff_cases)
        print(f"SpiffWorkflow 3.2, load/run/save in SQLite: {spiff_rate.line('steps')}", flush=True)
        runs: list[tuple[str, Callable[[], Any]]] = []
        if args.backend in ("sqlite", "both"):
            runs.append(("sqlite", lambda: _nullcontext(sqlite_url(folder, "caseflow.db"))))
        if args.backend in ("postgresql", "both"):
            runs.append(("postgresql", lambda: postgres_url(folder / "pg")))
        for backend, url_context in runs:
            with url_context() as url:
                rate, rows = ours(url, args.cases)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                traced_url = sqlite_url(folder, "traced.db") if backend == "sqlite" else url
                if backend == "postgresql":
                    _drop_all(url)
                peak = traced_peak(traced_url, args.cases)
            print("\n".join(report(backend, rate, bare, spiff_rate, rows, peak)), flush=True)
            print(f"   process peak RSS (ru_maxrss) after this run: {rss:.0f} MB", flush=True)
    print(f"{load_line()} at end", flush=True)


@contextmanager
def _nullcontext(value: str) -> Iterator[str]:
    yield value


def _drop_all(url: str) -> None:
    """Empty a PostgreSQL database so the traced run starts from the same fresh schema."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


if __name__ == "__main__":
    main()
