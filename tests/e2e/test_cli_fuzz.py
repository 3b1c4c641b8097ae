"""Seeded fuzz of bad input: 500 command lines and 200 scenario files, each refused in one clean line, exit 2.

Every generated input is bad in one place (tests/fuzz/). None may end in a traceback, exit 0, `error: unexpected`,
an error of more than three lines, a raw control character, or a database change other than one refusal event.
The seed is fixed, so a failure is the same failure on every run; `python -m tests.fuzz --seed N` tries others.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz import run_fuzz
from tests.fuzz.harness import Finding

pytestmark = pytest.mark.e2e

SEED = 20261206
INVOCATIONS, SCENARIOS = 500, 200


def _shown(findings: list[Finding]) -> str:
    return "\n".join(f"{f.problem}: {f.what}: {f.stderr.strip()[:200]!r}" for f in findings[:20])


def test_every_bad_invocation_and_scenario_file_is_refused_cleanly_and_changes_at_most_one_refusal_event(
    tmp_path: Path,
) -> None:
    report = run_fuzz(SEED, INVOCATIONS, SCENARIOS, tmp_path)

    assert (report.invocations, report.scenarios) == (INVOCATIONS, SCENARIOS)
    assert report.findings == [], _shown(report.findings)
    # Refusals on the fixture's existing cases were recorded (the run reaches the service, not only the parser).
    assert report.refusals_recorded > 0
