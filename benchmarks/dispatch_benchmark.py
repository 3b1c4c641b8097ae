"""Benchmark of case-transition delivery: outbox workers against the serial dispatcher they replace.

In one run, against a real local Prefect server (on SQLite, started as `caseflow up` starts one) and a fresh
application database per configuration:

- today's serial delivery as the baseline: the one-pass dispatcher with the flow as it was (four task runs, each
  loading the transition again), in this process, on a sample of the rows;
- one `caseflow worker --concurrency N` process;
- on PostgreSQL, two worker processes of N each, sharing the database.

Each configuration first drains a backlog of `--rows` rows over `--cases` cases, committed before it starts
(throughput, and client and Prefect server CPU per run), then delivers `--paced-rows` more committed at 70% of that
throughput while it runs (latency from a row's commit to its run completed: p50, p95). Order violations and
duplicates are read from the Prefect server's record of every run. The last line sums it up.

    python benchmarks/dispatch_benchmark.py [--rows 1000] [--cases 200] [--backend sqlite|postgresql] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, only this folder is on the path; the benchmark's modules are imported as the tests import them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, select

from benchmarks.dispatch_measures import cpu_seconds, duplicates, latencies, order_violations, percentile, read_runs
from tests.case_paths import TEN_TRIGGERS
from workflows.persistence import OutboxRow, load_all_policies, make_engine, make_session_factory, schema
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR, Settings

CASEFLOW = str(Path(sys.executable).parent / "caseflow")
PACED_SHARE = 0.7  # the paced rows arrive at this share of the configuration's measured throughput
TARGET_SPEEDUP, TARGET_P50 = 4.0, 3.0

POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")


@dataclass
class Result:
    """One configuration's figures."""

    label: str
    workers: int
    concurrency: int
    rows: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    p50: float | None = None
    p95: float | None = None
    violations: int = 0
    duplicates: int = 0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def fire(engine: Engine, prefix: str, cases: int, per_case: int, rate: float | None = None) -> int:
    """Commit `per_case` triggers on each of `cases` new cases, round robin; at `rate` rows/s when given."""
    service, fired, started = CaseService(make_session_factory(engine), POLICIES), 0, time.monotonic()
    for name, data, today, actor in TEN_TRIGGERS[:per_case]:
        for number in range(cases):
            if rate is not None:
                time.sleep(max(0.0, started + fired / rate - time.monotonic()))  # pacing arrivals, not waiting
            authority = "default" if name == "receive_referral" else None
            service.fire(f"{prefix}{number:05d}", name, data, actor, today, authority=authority)
            fired += 1
    return fired


def undelivered(engine: Engine) -> int:
    outbox = OutboxRow.__table__
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(outbox.c.delivered_at.is_(None))).scalar_one())


def wait_delivered(engine: Engine, timeout: float) -> float:
    """Seconds until every row is delivered (a benchmark failure after `timeout`)."""
    started = time.monotonic()
    while undelivered(engine):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"rows still undelivered after {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def committed(engine: Engine) -> dict[int, datetime]:
    outbox = OutboxRow.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.id, outbox.c.created_at)).all()
    return {r.id: r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC) for r in rows}


def evidence(result: Result, engine: Engine, flow_name: str, prefixes: tuple[str, ...], paced: str | None) -> None:
    """Order violations, duplicates and (for the paced rows) latency, from the Prefect server's runs."""
    runs = [run for prefix in prefixes for run in read_runs(flow_name, prefix)]
    result.violations, result.duplicates = order_violations(runs), duplicates(runs)
    if paced is not None:
        waits = latencies([r for r in runs if r.case_reference.startswith(paced)], committed(engine))
        result.p50, result.p95 = percentile(waits, 0.5), percentile(waits, 0.95)


def serial_baseline(url: str, server_pid: int, rows: int, cases: int) -> Result:
    """Today's serial delivery on a sample: the one-pass dispatcher and the flow as it was, in this process."""
    from benchmarks.dispatch_baseline import BASELINE_FLOW, serial_dispatcher
    from workflows.bootstrap import Runtime, install_runtime

    engine = make_engine(url)
    install_runtime(Runtime(engine, POLICIES))
    result = Result("serial (today)", 1, 1)
    result.rows = fire(engine, "S", cases, rows // cases)
    cpu, server, started = time.process_time(), cpu_seconds(server_pid), time.monotonic()
    dispatcher = serial_dispatcher(engine)
    while undelivered(engine):
        dispatcher.dispatch_once()
    result.seconds = time.monotonic() - started
    result.client_cpu = (time.process_time() - cpu) / result.rows
    result.server_cpu = (cpu_seconds(server_pid) - server) / result.rows
    evidence(result, engine, BASELINE_FLOW, ("S",), None)
    engine.dispose()
    return result


@contextmanager
def worker_processes(
    count: int, concurrency: int, env: dict[str, str], logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `caseflow worker` processes, each ready (printed its first line) when the block starts."""
    processes, log_paths = [], []
    for number in range(count):
        log_paths.append(logs / f"worker-{number}-{time.monotonic_ns()}.log")
        with log_paths[-1].open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [CASEFLOW, "worker", "--concurrency", str(concurrency)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        for process, path in zip(processes, log_paths, strict=True):
            deadline = time.monotonic() + 120
            while b"runs at once" not in path.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"worker did not start; see {path}")
                time.sleep(0.1)
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def with_workers(url: str, server_pid: int, env: dict[str, str], label: str, workers: int, args: Any) -> Result:
    """One configuration of worker processes: a backlog drained, then paced rows delivered as they commit."""
    from workflows.flows.case_transition import FLOW_NAME

    engine = make_engine(url)
    prefix = f"W{workers}"
    result = Result(label, workers, args.concurrency)
    result.rows = fire(engine, f"{prefix}B", args.cases, args.rows // args.cases)
    logs = Path(env["CASEFLOW_DATA_DIR"])
    with worker_processes(workers, args.concurrency, {**env, "CASEFLOW_DATABASE_URL": url}, logs) as processes:
        cpu = sum(cpu_seconds(p.pid) for p in processes)
        server = cpu_seconds(server_pid)
        result.seconds = wait_delivered(engine, timeout=3600)
        result.client_cpu = (sum(cpu_seconds(p.pid) for p in processes) - cpu) / result.rows
        result.server_cpu = (cpu_seconds(server_pid) - server) / result.rows
        paced_cases = max(1, args.paced_rows // (args.rows // args.cases))
        fire(engine, f"{prefix}P", paced_cases, args.rows // args.cases, rate=result.rate * PACED_SHARE)
        wait_delivered(engine, timeout=3600)
    evidence(result, engine, FLOW_NAME, (f"{prefix}B", f"{prefix}P"), f"{prefix}P")
    engine.dispose()
    return result


def report(results: list[Result], backend: str) -> list[str]:
    serial, best = results[0], results[-1]
    lines = [f"dispatch benchmark on {backend}; load average {os.getloadavg()[0]:.1f}"]
    lines.append(f"{'configuration':<28}{'rows':>6}{'rows/s':>8}{'p50 s':>8}{'p95 s':>8}{'client ms/run':>15}")
    lines[-1] += f"{'server ms/run':>15}{'order':>7}{'dup':>5}"
    for r in results:
        p50 = f"{r.p50:.2f}" if r.p50 is not None else "-"
        p95 = f"{r.p95:.2f}" if r.p95 is not None else "-"
        lines.append(
            f"{r.label:<28}{r.rows:>6}{r.rate:>8.2f}{p50:>8}{p95:>8}{r.client_cpu * 1000:>15.0f}"
            f"{r.server_cpu * 1000:>15.0f}{r.violations:>7}{r.duplicates:>5}"
        )
    speedup = best.rate / serial.rate if serial.rate else 0.0
    workers_results = results[1:]
    violations = sum(r.violations for r in workers_results)
    doubled = sum(r.duplicates for r in workers_results)
    checks = {
        f"speedup >= {TARGET_SPEEDUP:g}x": speedup >= TARGET_SPEEDUP,
        f"p50 < {TARGET_P50:g} s": all(r.p50 is not None and r.p50 < TARGET_P50 for r in workers_results),
        "client <= 150 ms/run": all(r.client_cpu <= 0.15 for r in workers_results),
        "server <= 100 ms/run": all(r.server_cpu <= 0.10 for r in workers_results),
        "no order violation, no duplicate": violations == 0 and doubled == 0,
    }
    lines += [f"{'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()]
    lines.append(
        f"dispatch: {best.rows} rows, {best.rate:.2f} rows/s with {best.workers} workers x {best.concurrency}, "
        f"serial {serial.rate:.2f} rows/s, speedup {speedup:.1f}x, order violations {violations}, duplicates {doubled}"
    )
    return lines


@contextmanager
def databases(backend: str, folder: Path) -> Iterator[Any]:
    """A function making a fresh migrated application database per configuration: its URL."""
    if backend == "sqlite":
        names = iter(range(100))

        def sqlite_url() -> str:
            url = f"sqlite:///{folder / f'bench-{next(names)}.db'}"
            _migrate(url)
            return url

        yield sqlite_url
        return
    import pgserver

    server = pgserver.get_server(folder / "pg", cleanup_mode="stop")
    admin_url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = iter(range(100))

    def postgres_url() -> str:
        name = f"dispatch_{next(names)}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        return url

    try:
        yield postgres_url
    finally:
        admin.dispose()
        server.cleanup()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serial-rows", type=int, default=100, help="Rows of the serial baseline's sample.")
    parser.add_argument("--paced-rows", type=int, default=200, help="Rows committed at a steady rate, for latency.")
    args = parser.parse_args()
    if not 1 <= args.rows // args.cases <= len(TEN_TRIGGERS):
        parser.error(f"--rows / --cases is the triggers per case: 1 to {len(TEN_TRIGGERS)}")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        from workflows.stack.prefect_server import ensure_server, use_prefect

        settings = Settings(data_dir=folder / "data", prefect_port=_free_port())
        server = ensure_server(settings, start_timeout=180)
        assert server.process is not None
        try:
            use_prefect(settings)
            env = {
                **os.environ,
                "CASEFLOW_DATA_DIR": str(settings.data_dir),
                "CASEFLOW_PREFECT_API_URL": server.api_url,
            }
            with databases(args.backend, folder) as new_database:
                pid = server.process.pid
                serial_cases = max(1, args.serial_rows // (args.rows // args.cases))
                results = [serial_baseline(new_database(), pid, serial_cases * (args.rows // args.cases), serial_cases)]
                results.append(with_workers(new_database(), pid, env, f"1 worker x {args.concurrency}", 1, args))
                if args.backend == "postgresql":
                    results.append(with_workers(new_database(), pid, env, f"2 workers x {args.concurrency}", 2, args))
        finally:
            server.stop()
    print("\n".join(report(results, args.backend)), flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
