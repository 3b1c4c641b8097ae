"""Faults the sweep survives: the process killed mid-sweep, and two sweeps running at once."""

from __future__ import annotations

import itertools
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.integration.sweep_builders import context, make_action, make_case, reminders, row_counts, sweep_escalations
from workflows.database import make_engine
from workflows.sweep import run_sweep

# Wednesday 10 March 2027.
AS_OF = date(2027, 3, 10)
_twins = itertools.count(1)


@pytest.fixture
def twin_engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A second fresh database on the same backend, swept without faults for comparison."""
    if backend == "sqlite":
        path = tmp_path / "twin.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres").migrated_database(f"twin_{next(_twins)}")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _caseload(engine: Engine) -> None:
    """Actions due on each of 40 days up to two days ahead, under two authorities' calendars."""
    with engine.begin() as connection:
        cases = [make_case(connection, authority=authority) for authority in ("default", "authority_c") * 3]
        for offset in range(-38, 3):
            for case in cases:
                make_action(connection, case, AS_OF + timedelta(days=offset))


def _state(engine: Engine) -> tuple[set[tuple[int, str, date]], set[tuple[int, date]], tuple[int, int]]:
    return sweep_escalations(engine), reminders(engine), row_counts(engine)


KILL_AFTER_BATCH_COMMITS = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date
    from sqlalchemy import event
    from tests.integration.sweep_builders import context
    from workflows.database import make_engine
    from workflows.sweep import run_sweep

    engine = make_engine(sys.argv[1])
    commits = 0

    def kill_mid_transaction(connection):
        global commits
        commits += 1
        if commits == 4:  # the plan, two batches committed; the third batch is killed before its commit
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(engine, "commit", kill_mid_transaction)
    run_sweep(context(engine), date.fromisoformat(sys.argv[2]), max_batches=6, min_batch_actions=1)
    """
)


def test_a_sweep_killed_mid_batch_is_finished_by_the_rerun_with_nothing_lost_or_twice(
    engine: Engine, twin_engine: Engine
) -> None:
    _caseload(engine)
    _caseload(twin_engine)
    run_sweep(context(twin_engine), AS_OF)
    expected = _state(twin_engine)

    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_BATCH_COMMITS, str(engine.url.render_as_string(hide_password=False)),
         AS_OF.isoformat()],
        capture_output=True, text=True, timeout=120, check=False, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = row_counts(engine)
    assert 0 < sum(partial) < sum(expected[2])

    run_sweep(context(engine), AS_OF, max_batches=6, min_batch_actions=1)

    assert _state(engine) == expected


def test_two_sweeps_at_once_do_together_exactly_the_work_of_one(engine: Engine, twin_engine: Engine) -> None:
    _caseload(engine)
    _caseload(twin_engine)
    run_sweep(context(twin_engine), AS_OF)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(timeout=30)
            run_sweep(context(engine), AS_OF, max_batches=10, min_batch_actions=1)
        except BaseException as exc:  # reported by the assertion below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert _state(engine) == _state(twin_engine)
