"""Seeded fuzzing of bad input: command-line invocations and scenario files that must each be refused cleanly.

`python -m tests.fuzz --seed 7 --invocations 5000 --scenarios 2000` runs more of it than the suite does
(tests/e2e/test_cli_fuzz.py); the same seed gives the same inputs.
"""

from tests.fuzz.harness import Finding, FuzzReport, run_fuzz

__all__ = ["Finding", "FuzzReport", "run_fuzz"]
