"""`python -m tests.fuzz [--seed N] [--invocations N] [--scenarios N]`: the bad-input fuzz, as long as you like."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fuzz.harness import run_fuzz


def main() -> int:
    """Run the fuzz in a throwaway folder; print what it found; exit 1 if it found anything."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seed", type=int, default=1, help="Seed of the generated input (default 1).")
    parser.add_argument("--invocations", type=int, default=2000, help="Bad command lines (default 2000).")
    parser.add_argument("--scenarios", type=int, default=500, help="Bad scenario files (default 500).")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caseflow-fuzz-") as folder:
        report = run_fuzz(options.seed, options.invocations, options.scenarios, Path(folder))
    for finding in report.findings:
        print(f"{finding.problem}: {finding.what}\n    {finding.stderr.strip()[:300]!r}")
    print(
        f"seed {options.seed}: {report.invocations} invocations, {report.scenarios} scenario files, "
        f"{report.refusals_recorded} refusals recorded, {len(report.findings)} findings, {report.seconds:.1f} s"
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
