"""`caseflow audit verify`: walk the hash chain of every case's audit trail and name the first broken event."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine, select

from workflows.bootstrap import bootstrap
from workflows.persistence import CaseNotFound, CaseRow, ChainReport, audit, require_schema

if TYPE_CHECKING:
    from workflows.services import CaseRead

# Re-exported: other commands imported the check from here before it moved to workflows.persistence.schema.
__all__ = ["access", "app", "verify"]

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
    try:
        require_schema(engine)
        with engine.connect() as connection:
            report = audit.verify(connection, case)
    finally:
        engine.dispose()
    if case is not None and report.events == 0 and not report.broken:
        raise CaseNotFound(case)
    typer.echo(_report_json(report) if as_json else _report_text(report))
    if not report.ok:
        # SystemExit, not typer.Exit: main() runs the app with standalone_mode=False, where click turns
        # typer.Exit into a return value that main() does not pass on as the exit status.
        raise SystemExit(1)


@app.command()
def access(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reads as JSON.")] = False,
) -> None:
    """Every recorded read of the case: who, when, through what (cli, api, console)."""
    engine = bootstrap().engine
    try:
        require_schema(engine)
        reads = _reads(engine, reference)
    finally:
        engine.dispose()
    if as_json:
        rows = [{"staff_id": r.staff_id, "read_at": r.read_at.isoformat(), "channel": r.channel} for r in reads]
        typer.echo(json.dumps({"case": reference, "reads": rows}, indent=2))
        return
    typer.echo(f"case {reference}: {len(reads)} reads recorded")
    for read in reads:
        typer.echo(f"{read.read_at:%Y-%m-%d %H:%M:%S}  {read.channel:<8} {read.staff_id or '(unnamed: no --actor)'}")


def _reads(engine: Engine, reference: str) -> list[CaseRead]:
    from workflows.services import list_access

    cases = CaseRow.__table__
    with engine.connect() as connection:
        if connection.execute(select(cases.c.id).where(cases.c.reference == reference)).first() is None:
            raise CaseNotFound(reference)
        return list_access(connection, reference)
