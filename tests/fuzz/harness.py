"""Run bad invocations and scenario files through the command's own entry point; collect every breach.

A breach is any of: a traceback, exit status 0 (or any but 2) on bad input, `error: unexpected`, an error over
three lines, a control character in the output, a scenario error not naming its file, and a database change other
than one refusal event (`trigger_refused` or `escalation_refused`).
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.cli_in_process import Ran, run_main
from tests.fuzz.invocations import FIXTURE_TODAY, bad_invocations
from tests.fuzz.scenarios import bad_scenarios

__all__ = ["Finding", "FuzzReport", "run_fuzz"]

REFUSAL_EVENTS = frozenset({"trigger_refused", "escalation_refused"})
MAX_ERROR_LINES = 3
# Tables whose rows change with no fact changing: SQLite's counters.
_IGNORED_TABLES = frozenset({"sqlite_sequence"})
# The case row's anchor of its audit chain moves with every event appended, a refusal's too: it is that event's own
# bookkeeping, not a change to the case, so a snapshot leaves it out.
_ANCHOR_COLUMNS = {"cases": frozenset({"audit_seq", "audit_hash", "audit_seal"})}
# The access log: a command that read one case records the read (who, which case, how), even when it then fails
# to write its output; that is the log doing its job, not a change to the case.
ACCESS_LOG = "case_reads"

Snapshot = dict[str, Counter[tuple[object, ...]]]


@dataclass(frozen=True)
class Finding:
    """One input that was not refused cleanly, and how."""

    what: str
    problem: str
    stderr: str


@dataclass
class FuzzReport:
    """What a run tried and what it found."""

    invocations: int = 0
    scenarios: int = 0
    refusals_recorded: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)


def _environment(workdir: Path) -> dict[str, str]:
    return {
        "CASEFLOW_DATA_DIR": str(workdir / "data"),
        "CASEFLOW_LOG_LEVEL": "WARNING",
        "CASEFLOW_SMTP_HOST": "",
        "HOME": str(workdir),
    }


def _must(ran: Ran, what: str) -> None:
    if ran.returncode != 0:
        raise AssertionError(f"fuzz fixture: caseflow {what} failed: {ran.stderr}")


def _set_up(env: dict[str, str]) -> None:
    """A database with a few cases: CP-FZ-1 referred, CP-FZ-2 and CP-FZ-3 in ICPC planning; a social worker and a
    team manager in the directory."""
    _must(run_main("db", "upgrade", env=env), "db upgrade")
    # The command line acts only as members of the staff directory holding the role they act in.
    for staff_id, role in (("tm-fz", "team_manager"), ("sw-fz", "social_worker")):
        added = ("staff", "add", staff_id, "--role", role, "--team", "north", "--email", f"{staff_id}@x.example")
        _must(run_main(*added, env=env), "staff add")
    social_worker = ("--actor", "sw-fz", "--role", "social_worker", "--today", FIXTURE_TODAY)
    manager = ("--actor", "tm-fz", "--role", "team_manager", "--today", FIXTURE_TODAY)
    # Mon 2 Nov 2026 referral, Tue 3 strategy discussion, Wed 4 decision to convene an ICPC on Fri 20 Nov.
    for reference in ("CP-FZ-1", "CP-FZ-2", "CP-FZ-3"):
        fields = ("date_of_birth=2015-03-02", "team=north", "--on", "2026-11-02")
        _must(run_main("trigger", reference, "receive_referral", *fields, *social_worker, env=env), "referral")
    for reference in ("CP-FZ-2", "CP-FZ-3"):
        _must(run_main("trigger", reference, "start_s47", "--on", "2026-11-03", *social_worker, env=env), "s47")
        convene = ("--on", "2026-11-04", "conference_date=2026-11-20")
        _must(run_main("trigger", reference, "convene_icpc", *convene, *manager, env=env), "convene")


def _snapshot(database: Path) -> Snapshot:
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in _IGNORED_TABLES
        ]
        return {table: Counter(connection.execute(_select(connection, table)).fetchall()) for table in tables}


def _select(connection: sqlite3.Connection, table: str) -> str:
    left_out = _ANCHOR_COLUMNS.get(table, frozenset())
    columns = [info[1] for info in connection.execute(f'PRAGMA table_info("{table}")') if info[1] not in left_out]
    quoted = ", ".join(f'"{column}"' for column in columns)
    return f'SELECT {quoted} FROM "{table}"'


def _change_problem(
    before: Snapshot, after: Snapshot, database: Path, reads_a_case: bool = False
) -> tuple[str | None, int]:
    """What changed beyond one refusal event (and, for a command that reads one case, one access-log row; None if
    nothing else did), and how many refusal events were added."""
    added: list[tuple[str, tuple[object, ...]]] = []
    for table in before.keys() | after.keys():
        old, new = before.get(table, Counter()), after.get(table, Counter())
        if old - new:
            return f"rows removed or changed in {table}", 0
        added += [(table, row) for row in (new - old).elements()]
    reads = [row for row in added if row[0] == ACCESS_LOG]
    if reads_a_case and len(reads) == 1:
        added.remove(reads[0])
    if not added:
        return None, 0
    if len(added) == 1 and added[0][0] == "audit_events" and _event_type(database, added[0][1]) in REFUSAL_EVENTS:
        return None, 1
    return f"rows added: {sorted({table for table, _ in added})} ({len(added)})", 0


def _event_type(database: Path, row: tuple[object, ...]) -> object:
    with sqlite3.connect(database) as connection:
        columns = [info[1] for info in connection.execute("PRAGMA table_info(audit_events)")]
    return row[columns.index("event_type")]


def _output_problem(ran: Ran, names_file: str | None) -> str | None:
    output = ran.stdout + ran.stderr
    if "Traceback" in output:
        return "a traceback"
    if ran.returncode != 2:
        return f"exit {ran.returncode}, expected 2"
    if "error: unexpected" in ran.stderr:
        return "error: unexpected"
    if len(ran.stderr.strip().splitlines()) > MAX_ERROR_LINES:
        return f"{len(ran.stderr.strip().splitlines())} lines of error"
    if any(not character.isprintable() for character in output.replace("\n", "")):
        return "a control character in the output"
    if names_file is not None and names_file not in ran.stderr:
        return "the error does not name the scenario file"
    return None


def _try(
    report: FuzzReport, args: tuple[str, ...], env: dict[str, str], database: Path, names_file: str | None = None
) -> None:
    before = _snapshot(database)
    ran = run_main(*args, env=env)
    problem = _output_problem(ran, names_file)
    reads_a_case = args[:1] == ("case",) and args[1:2] in (("show",), ("timeline",))
    changed, recorded = _change_problem(before, _snapshot(database), database, reads_a_case)
    report.refusals_recorded += recorded
    for found in (problem, changed):
        if found is not None:
            report.findings.append(Finding(repr(args), found, ran.stderr[:500]))


def _each(report: FuzzReport, cases: Iterable[tuple[str, ...]], env: dict[str, str], database: Path) -> None:
    for args in cases:
        report.invocations += 1
        _try(report, args, env, database)


def run_fuzz(seed: int, invocations: int, scenarios: int, workdir: Path) -> FuzzReport:
    """Run `invocations` bad command lines and `scenarios` bad scenario files, generated from `seed`."""
    started = time.perf_counter()
    env = _environment(workdir)
    _set_up(env)
    database = workdir / "data" / "caseflow.db"
    report = FuzzReport()
    _each(report, bad_invocations(seed, invocations, workdir), env, database)
    for path in bad_scenarios(seed, scenarios, workdir / "scenarios"):
        report.scenarios += 1
        _try(report, ("simulate", str(path)), env, database, names_file=path.name)
    report.seconds = time.perf_counter() - started
    return report
