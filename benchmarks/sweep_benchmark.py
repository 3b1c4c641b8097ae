"""Benchmark of the deadline sweep: 100,000 open cases, about 1,000,000 actions, on SQLite and PostgreSQL.

Two scenarios of "the sweep as of a busy date", each timed for the sweep's own queries and writes (no Prefect) and
for the whole `deadline-sweep` flow run against a temporary Prefect server (with its number of task runs):

- first-ever sweep, Wednesday 10 March 2027, over tables no sweep has touched: the worst case, every overdue
  action (about 150,000) gets its row at once; then its rerun and the next working day's sweep;
- nightly sweep of Monday 4 January 2027, the first working day after the Christmas and New Year closure, every
  night from Monday 21 December to Sunday 3 January swept before it (untimed), as a nightly schedule would have.

Also load time and a naive baseline that walks cases one by one through the ORM, measured on a sample and
extrapolated (said so in the output). Each phase shows wall time, this process's CPU time, the PostgreSQL server's
CPU time, and the peak resident memory of the phase; the load average is printed too, as the machine may be
shared. Ends with PASS or FAIL per target and scenario.

    python benchmarks/sweep_benchmark.py [--backend sqlite|postgresql|both] [--cases 100000] [--no-flow]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from workflows.persistence import (
    ActionRow,
    CaseRow,
    EscalationRow,
    ReminderRow,
    SweepDigestRow,
    SweepProgressRow,
    load_all_policies,
    make_engine,
    schema,
)
from workflows.settings import REPOSITORY_CONFIG_DIR
from workflows.sweep import SweepContext, run_sweep

# A busy Wednesday: actions due over the six months either side of it; then the next working day (Thursday).
AS_OF = date(2027, 3, 10)
NEXT_DAY = date(2027, 3, 11)
# Checked by hand: bank holidays Fri 25 Dec 2026, Mon 28 Dec (Boxing Day substitute) and Fri 1 Jan 2027; authority
# C also closes 28-31 December. Mon 4 January is the first working day after the closure.
NIGHTLY_AS_OF = date(2027, 1, 4)
EARLIER_NIGHTS = [date(2026, 12, 21) + timedelta(days=n) for n in range(14)]  # Mon 21 Dec .. Sun 3 Jan
# The targets.
SWEEP_TARGET_SECONDS = 3.0
FLOW_TARGET_SECONDS = 10.0
MEMORY_TARGET_MB = 300.0
MAX_BATCHES = 10
ACTIONS_PER_CASE = 10
OPEN_SHARE = 0.3
SPREAD_DAYS = 180
CHUNK = 20_000
KINDS = ("hold_first_core_group", "statutory_visit", "circulate_minutes", "hold_review", "send_leaflet")
ROLES = ("social_worker", "social_worker", "business_support", "cp_chair", "business_support")
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _case_rows(count: int, authorities: list[str]) -> Iterator[dict[str, Any]]:
    for number in range(1, count + 1):
        yield {
            "id": number,
            "reference": f"CP-{number:07d}",
            "authority": authorities[number % len(authorities)],
            "team": f"team-{number % 20}",
            "status": "core_groups",
            "version": 1,
            "facts": {},
            "created_at": NOW,
            "updated_at": NOW,
        }


def _action_rows(cases: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    number = 0
    for case_id in range(1, cases + 1):
        for slot in range(ACTIONS_PER_CASE):
            number += 1
            due = AS_OF + timedelta(days=rng.randint(-SPREAD_DAYS, SPREAD_DAYS))
            is_open = rng.random() < OPEN_SHARE
            yield {
                "id": number,
                "case_id": case_id,
                "kind": KINDS[slot % 5],
                "owner_role": ROLES[slot % 5],
                "status": "open" if is_open else "done",
                "due_on": due,
                "opened_on": due - timedelta(days=20),
                "done_on": None if is_open else due,
                "mandatory": True,
                "rule": KINDS[slot % 5],
                "anchor": "icpc_date",
                "policy_version": "2026.1",
                "close_reason": None,
            }


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy(engine: Engine, table: str, rows: Iterator[dict[str, Any]]) -> None:
    import json

    with engine.begin() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        first = next(rows)
        columns = list(first)
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in _prepend(first, rows):
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])


def _prepend(first: dict[str, Any], rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rows


def load(engine: Engine, cases: int, authorities: list[str]) -> int:
    """Bulk-load the caseload; returns the number of actions."""
    rng = random.Random(20270310)
    if engine.dialect.name == "postgresql":
        _copy(engine, "cases", _case_rows(cases, authorities))
        _copy(engine, "actions", _action_rows(cases, rng))
        # A database in service is vacuumed by autovacuum; a fresh COPY is not, and without the visibility map
        # PostgreSQL cannot use index-only scans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        for table, rows in (
            (CaseRow.__table__, _case_rows(cases, authorities)),
            (ActionRow.__table__, _action_rows(cases, rng)),
        ):
            for chunk in _chunks(rows):
                with engine.begin() as connection:
                    connection.execute(insert(table), chunk)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return cases * ACTIONS_PER_CASE


def clear_sweep(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in (SweepDigestRow, ReminderRow, EscalationRow, SweepProgressRow):
            connection.execute(delete(table))


def _server_cpu_seconds(server_pid: int | None) -> float:
    """CPU seconds of the PostgreSQL server and its live child processes (Linux /proc); 0 without a server."""
    if server_pid is None:
        return 0.0
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(entry.name) == server_pid or int(fields[1]) == server_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM, so each phase reports its own peak, not the load's.
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measured(label: str, results: dict[str, Any], server_pid: int | None = None) -> Iterator[None]:
    """Wall time, this process's CPU time, the database server's CPU time and the peak RSS of one phase."""
    _reset_peak_rss()
    server, cpu, started = _server_cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    yield
    results[f"{label}_seconds"] = time.perf_counter() - started
    results[f"{label}_cpu_seconds"] = time.process_time() - cpu
    results[f"{label}_server_cpu_seconds"] = _server_cpu_seconds(server_pid) - server
    results[f"{label}_peak_rss_mb"] = _peak_rss_mb()
    results[f"{label}_load_average"] = os.getloadavg()[0]


def naive_baseline(engine: Engine, policies: dict[str, Any], sample: int) -> float:
    """Seconds for `sample` cases walked one by one through the ORM (rolled back, so nothing is kept)."""
    started = time.perf_counter()
    with Session(engine) as session:
        for case_id in range(1, sample + 1):
            case = session.get(CaseRow, case_id)
            assert case is not None
            policy = policies[case.authority]
            actions = session.scalars(select(ActionRow).where(ActionRow.case_id == case_id, ActionRow.status == "open"))
            for action in actions:
                _naive_action(session, policy, action)
        session.flush()
        session.rollback()
    return time.perf_counter() - started


def _naive_action(session: Session, policy: Any, action: ActionRow) -> None:
    if action.due_on > AS_OF:
        if policy.reminder_date(action.due_on) <= AS_OF:
            session.add(
                ReminderRow(
                    action_id=action.id, case_id=action.case_id, due_on=action.due_on, swept_on=AS_OF, created_at=NOW
                )
            )
        return
    overdue = policy.calendar().working_days_between(action.due_on, AS_OF)
    rung = policy.escalation_level(overdue)
    if rung is None:
        return
    exists = session.scalar(
        select(EscalationRow.id).where(EscalationRow.action_id == action.id, EscalationRow.level == rung.level)
    )
    if exists is None:
        session.add(
            EscalationRow(
                case_id=action.case_id,
                action_id=action.id,
                level=rung.level,
                source="sweep",
                due_on=action.due_on,
                working_days_overdue=overdue,
                swept_on=AS_OF,
                raised_on=AS_OF,
                created_at=NOW,
            )
        )


def flow_run(
    engine: Engine, policies: dict[str, Any], as_of: date, label: str, results: dict[str, Any], server_pid: int | None
) -> None:
    """Time one `deadline-sweep` flow run as of `as_of` under `label`, and count its task runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
    from workflows.flows import deadline_sweep

    install_runtime(Runtime(engine, policies))
    try:
        with measured(label, results, server_pid):
            state = deadline_sweep(as_of=as_of, max_batches=MAX_BATCHES, return_state=True)
        assert state.is_completed(), state.message
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            )
        results[f"{label}_task_runs"] = len(runs)
    finally:
        uninstall_runtime()


def sweep_earlier_nights(context: SweepContext) -> None:
    """Every night before the nightly scenario's date, swept as the schedule would have (untimed)."""
    for night in EARLIER_NIGHTS:
        run_sweep(context, night, MAX_BATCHES)


def bench(url: str, cases: int, sample: int, flow: bool, server_pid: int | None) -> dict[str, Any]:
    """Load the caseload, time every phase, and return the figures."""
    policies = load_all_policies(Path(REPOSITORY_CONFIG_DIR) / "policies")
    engine = make_engine(url)
    schema.upgrade(engine)
    results: dict[str, Any] = {"backend": engine.dialect.name}
    started = time.perf_counter()
    results["actions"] = load(engine, cases, sorted(policies))
    results["load_seconds"] = time.perf_counter() - started
    context = SweepContext(engine, policies)
    with measured("sweep", results, server_pid):
        report = run_sweep(context, AS_OF, MAX_BATCHES)
    results["created"] = sum(report.created_by_run.values())
    results["open_at_level"] = report.open_at_level
    with measured("rerun", results, server_pid):
        again = run_sweep(context, AS_OF, MAX_BATCHES)
    results["rerun_created"] = sum(again.created_by_run.values())
    with measured("next_day", results, server_pid):
        results["next_day_created"] = sum(run_sweep(context, NEXT_DAY, MAX_BATCHES).created_by_run.values())
    clear_sweep(engine)
    sweep_earlier_nights(context)
    with measured("nightly", results, server_pid):
        results["nightly_created"] = sum(run_sweep(context, NIGHTLY_AS_OF, MAX_BATCHES).created_by_run.values())
    if flow:
        clear_sweep(engine)
        flow_run(engine, policies, AS_OF, "flow", results, server_pid)
        clear_sweep(engine)
        sweep_earlier_nights(context)
        flow_run(engine, policies, NIGHTLY_AS_OF, "nightly_flow", results, server_pid)
    clear_sweep(engine)  # the baseline starts from the same empty tables as the first-ever sweep did
    results["baseline_sample_cases"] = sample
    results["baseline_seconds_extrapolated"] = naive_baseline(engine, policies, sample) * cases / sample
    engine.dispose()
    return results


def _phase(results: dict[str, Any], label: str) -> str:
    return (
        f"{results[f'{label}_seconds']:.2f} s wall, {results[f'{label}_cpu_seconds']:.2f} s CPU here"
        f" + {results[f'{label}_server_cpu_seconds']:.2f} s CPU in the database server,"
        f" peak RSS {results[f'{label}_peak_rss_mb']:.0f} MB, load average {results[f'{label}_load_average']:.1f}"
    )


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def report_lines(results: dict[str, Any]) -> list[str]:
    ratio = results["baseline_seconds_extrapolated"] / results["sweep_seconds"]
    lines = [
        f"== {results['backend']}: {results['actions']:,} actions loaded in {results['load_seconds']:.1f} s",
        (
            f"first-ever sweep as of {AS_OF} (queries and writes, no Prefect): {_phase(results, 'sweep')};"
            f" {results['created']:,} rows created"
        ),
        f"  open actions per level: {results['open_at_level']}",
        f"rerun of the same sweep: {_phase(results, 'rerun')}; {results['rerun_created']} rows created",
        (
            f"next working day's sweep ({NEXT_DAY}): {_phase(results, 'next_day')};"
            f" {results['next_day_created']:,} rows created"
        ),
        (
            f"nightly sweep as of {NIGHTLY_AS_OF}, earlier nights swept: {_phase(results, 'nightly')};"
            f" {results['nightly_created']:,} rows created"
        ),
    ]
    for label, what in (("flow", f"first-ever, {AS_OF}"), ("nightly_flow", f"nightly, {NIGHTLY_AS_OF}")):
        if f"{label}_seconds" in results:
            lines.append(
                f"deadline-sweep flow run ({what}): {_phase(results, label)}; {results[f'{label}_task_runs']} task runs"
            )
    lines.append(
        f"naive ORM baseline: {results['baseline_seconds_extrapolated']:.0f} s EXTRAPOLATED from a sample of"
        f" {results['baseline_sample_cases']:,} cases (x{ratio:.0f} the set-based first-ever sweep)"
    )
    peak = max(results[key] for key in results if key.endswith("_peak_rss_mb"))
    lines.append(
        f"target peak RSS < {MEMORY_TARGET_MB:.0f} MB in any phase ({peak:.0f} MB): {_verdict(peak < MEMORY_TARGET_MB)}"
    )
    for scenario, sweep, flow in (("first-ever", "sweep", "flow"), ("nightly", "nightly", "nightly_flow")):
        lines.append(
            f"target {scenario} sweep <= {SWEEP_TARGET_SECONDS:.0f} s wall:"
            f" {_verdict(results[f'{sweep}_seconds'] <= SWEEP_TARGET_SECONDS)}"
        )
        if f"{flow}_seconds" in results:
            from workflows.flows.deadline_sweep import max_task_runs  # imports Prefect: only when a flow ran

            bound = max_task_runs(MAX_BATCHES)
            lines += [
                (
                    f"target {scenario} flow run <= {FLOW_TARGET_SECONDS:.0f} s wall:"
                    f" {_verdict(results[f'{flow}_seconds'] <= FLOW_TARGET_SECONDS)}"
                ),
                f"target {scenario} task runs <= {bound}: {_verdict(results[f'{flow}_task_runs'] <= bound)}",
            ]
    return lines


@contextmanager
def sqlite_database(folder: Path) -> Iterator[tuple[str, int | None]]:
    """A SQLite file: the URL, and no server process."""
    yield f"sqlite:///{folder / 'bench.db'}", None


@contextmanager
def postgres_database(root: Path) -> Iterator[tuple[str, int | None]]:
    """A PostgreSQL 16 server from the pgserver wheel: the URL and the server's process id."""
    import pgserver

    server = pgserver.get_server(root, cleanup_mode="stop")
    try:
        pid = int((root / "postmaster.pid").read_text().split()[0])
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1), pid
    finally:
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    parser.add_argument("--no-flow", action="store_true", help="Skip the Prefect flow run (no temporary server).")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as folder, _prefect(not args.no_flow):
        for backend in backends:
            database = sqlite_database(Path(folder)) if backend == "sqlite" else postgres_database(Path(folder) / "pg")
            with database as (url, server_pid):
                results = bench(url, args.cases, args.baseline_sample, not args.no_flow, server_pid)
            print("\n".join(report_lines(results)), flush=True)


@contextmanager
def _prefect(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


if __name__ == "__main__":
    main()
