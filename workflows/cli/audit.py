"""`caseflow audit verify`: walk the hash chain of every case's audit trail and name the first broken event."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from workflows.bootstrap import bootstrap
from workflows.persistence import CaseNotFound, ChainReport, audit, require_schema

# Re-exported: other commands imported the check from here before it moved to workflows.persistence.schema.
__all__ = ["app", "verify"]

app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)


def _report_json(report: ChainReport) -> str:
    return json.dumps(
        {"ok": report.ok, "cases": report.cases, "events": report.events, "broken": [asdict(b) for b in report.broken]},
        indent=2,
    )


def _report_text(report: ChainReport) -> str:
    if report.ok:
        return f"OK: {report.events} audit events in {report.cases} cases verified"
    lines = [f"BROKEN: {len(report.broken)} of {report.cases} cases have a broken audit chain"]
    for link in report.broken:
        event = f"event id {link.event_id}" if link.event_id is not None else "no event"
        lines.append(f"case {link.case_reference}: first broken at seq {link.seq} ({event}): {link.problem}")
    return "\n".join(lines)


@app.command()
def verify(
    case: Annotated[str | None, typer.Option("--case", help="Verify only this case reference.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check every event's hash and link; exit 1 naming each broken chain's first bad event."""
    engine = bootstrap().engine
    require_schema(engine)
    with engine.connect() as connection:
        report = audit.verify(connection, case)
    if case is not None and report.events == 0 and not report.broken:
        raise CaseNotFound(case)
    typer.echo(_report_json(report) if as_json else _report_text(report))
    if not report.ok:
        # SystemExit, not typer.Exit: main() runs the app with standalone_mode=False, where click turns
        # typer.Exit into a return value that main() does not pass on as the exit status.
        raise SystemExit(1)
