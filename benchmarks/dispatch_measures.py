"""What the dispatch benchmark measures, from the Prefect server's own record of the runs and from /proc.

Each case-transition run, as the server recorded it (its outbox row from the parameters, start and end times, final
state), is the evidence: rows/s, latency from the row's commit to its run completed, runs of a case that overlapped
or ran out of commit order, and rows whose run completed twice. CPU is read from /proc for a process and every
process below it, so worker subprocesses and the Prefect server (with whatever it starts) are counted whole.
"""

from __future__ import annotations

import itertools
import os
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["Run", "cpu_seconds", "duplicates", "order_violations", "percentile", "read_runs"]

_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds used so far by process `pid` and every live process below it."""
    total = 0
    for process in _descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


@dataclass(frozen=True)
class Run:
    """One case-transition run as the Prefect server recorded it."""

    outbox_id: int
    case_reference: str
    start: datetime | None
    end: datetime | None
    completed: bool


def read_runs(flow_name: str, name_contains: str) -> list[Run]:
    """Every run of `flow_name` whose name contains `name_contains` (the phase's case prefix)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterName

    runs: list[Run] = []
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_=name_contains)),
                limit=200,
                offset=len(runs),
            )
            runs += [
                Run(
                    int(r.parameters["outbox_id"]),
                    str(r.parameters["case_reference"]),
                    r.start_time,
                    r.end_time,
                    r.state is not None and r.state.is_completed(),
                )
                for r in page
            ]
            if len(page) < 200:
                return runs


def _first_completed(runs: list[Run]) -> dict[int, Run]:
    first: dict[int, Run] = {}
    for run in sorted((r for r in runs if r.completed and r.end is not None), key=lambda r: r.end or r.start):
        first.setdefault(run.outbox_id, run)
    return first


def order_violations(runs: list[Run]) -> int:
    """Pairs of a case's consecutive rows where the later row's run started before the earlier row's completed."""
    by_case: dict[str, list[Run]] = defaultdict(list)
    for run in _first_completed(runs).values():
        by_case[run.case_reference].append(run)
    violations = 0
    for case_runs in by_case.values():
        ordered = sorted(case_runs, key=lambda r: r.outbox_id)
        for earlier, later in itertools.pairwise(ordered):
            if later.start is None or earlier.end is None or later.start < earlier.end:
                violations += 1
    return violations


def duplicates(runs: list[Run]) -> int:
    """Completed runs beyond the first of each row: a row whose work was done twice."""
    completed: dict[int, int] = defaultdict(int)
    for run in runs:
        if run.completed:
            completed[run.outbox_id] += 1
    return sum(count - 1 for count in completed.values() if count > 1)


def latencies(runs: list[Run], committed: dict[int, datetime]) -> list[float]:
    """Seconds from each row's commit to its first run completed."""
    return [
        (run.end - committed[outbox_id]).total_seconds()
        for outbox_id, run in _first_completed(runs).items()
        if run.end is not None and outbox_id in committed
    ]


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile of `values` (0 for none)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]
