"""The seconds options of the long-running commands: inf, nan, negatives and huge values refused before anything starts.

The data folder given is a file, so a command that got past its options would stop at once at start-up with a
different line ("cannot be read or written") rather than run: the control case shows that line for good options.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_in_process import Ran, run_main
from tests.fuzz.values import BAD_SECONDS, UNDECODABLE

pytestmark = pytest.mark.e2e

# (command, its seconds option, a value it accepts) for every seconds option of worker, scheduler and up.
OPTIONS = [
    ("worker", "--lease-seconds", "30"),
    ("worker", "--poll-seconds", "0.05"),
    ("worker", "--stop-seconds", "0"),
    ("scheduler", "--dispatch-seconds", "5"),
    ("scheduler", "--lease-seconds", "30"),
    ("scheduler", "--renew-seconds", "0.1"),
    ("up", "--dispatch-seconds", "0.5"),
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be\n", encoding="utf-8")
    return {"CASEFLOW_DATA_DIR": str(not_a_folder), "CASEFLOW_LOG_LEVEL": "WARNING", "HOME": str(tmp_path)}


def _refusal(ran: Ran) -> str:
    assert ran.returncode == 2, ran
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert "cannot be read or written" not in lines[0], "the command got past its options and began to start"
    return lines[0]


@pytest.mark.parametrize(("command", "option", "good"), OPTIONS)
def test_a_good_value_gets_past_the_options_to_start_up(
    env: dict[str, str], command: str, option: str, good: str
) -> None:
    ran = run_main(command, option, good, env=env)
    assert ran.returncode == 2
    assert "cannot be read or written" in ran.stderr


@pytest.mark.parametrize(("command", "option", "good"), OPTIONS)
@pytest.mark.parametrize("bad", [value for value in BAD_SECONDS if value != UNDECODABLE])
def test_a_bad_number_of_seconds_is_one_line_naming_the_option(
    env: dict[str, str], command: str, option: str, good: str, bad: str
) -> None:
    assert option in _refusal(run_main(command, option, bad, env=env))


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_nan_and_infinity_are_refused_with_the_range_expected(env: dict[str, str], value: str) -> None:
    line = _refusal(run_main("worker", "--lease-seconds", value, env=env))
    assert line == f"error: --lease-seconds: {value} is out of range: expected a number of seconds from 2 to 3600"


def test_a_scheduler_lease_renewed_no_sooner_than_it_lapses_is_refused(env: dict[str, str]) -> None:
    line = _refusal(run_main("scheduler", "--lease-seconds", "5", "--renew-seconds", "5", env=env))
    assert line == "error: --renew-seconds: expected less than --lease-seconds, so the lease is renewed in time"
