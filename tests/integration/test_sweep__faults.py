"""Faults the sweep survives: the process killed mid-sweep, two sweeps running at once, a racing writer."""

from __future__ import annotations

import itertools
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from tests.integration.sweep_builders import (
    context,
    make_action,
    make_case,
    reminders,
    row_counts,
    sweep_escalations,
)
from workflows.persistence import EscalationRow, make_engine
from workflows.sweep import run_sweep

pytestmark = pytest.mark.both_databases

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
    from workflows.persistence import make_engine
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
        [
            sys.executable,
            "-c",
            KILL_AFTER_BATCH_COMMITS,
            str(engine.url.render_as_string(hide_password=False)),
            AS_OF.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parents[2],
    )
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


def test_a_row_another_writer_commits_mid_sweep_is_neither_doubled_nor_fails_the_sweep(engine: Engine) -> None:
    with engine.begin() as connection:
        case = make_case(connection)
        # Due Wed 3 March 2027: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 = 5 working days late, the service manager's rung.
        late = make_action(connection, case, date(2027, 3, 3))
        other = make_action(connection, case, date(2027, 3, 3))
    table = EscalationRow.__table__
    writer = engine.connect()
    writer.begin()
    # A case transition escalating the same action at the same rung, not yet committed when the sweep reads: the
    # sweep does not see it, tries to insert it too, and meets it once the writer commits.
    writer.execute(
        insert(table),
        {
            "case_id": case,
            "action_id": late,
            "level": "service_manager",
            "source": "transition",
            "due_on": date(2027, 3, 3),
            "working_days_overdue": 5,
            "raised_on": AS_OF,
            "created_at": datetime.now(UTC),
        },
    )
    threading.Timer(1.0, writer.commit).start()
    try:
        run_sweep(context(engine), AS_OF)
    finally:
        writer.close()

    with engine.connect() as connection:
        rows = connection.execute(select(table.c.action_id, table.c.level, table.c.source).order_by(table.c.action_id))
        assert rows.all() == [(late, "service_manager", "transition"), (other, "service_manager", "sweep")]
