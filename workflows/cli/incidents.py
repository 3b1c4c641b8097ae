"""`caseflow incidents`: what failed past its retries, the outbox rows not yet delivered, and retrying one."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer

from workflows.bootstrap import bootstrap
from workflows.delivery import SmtpChannel, incidents
from workflows.persistence import require_schema
from workflows.services import incident_retry
from workflows.settings import utc_now

app = typer.Typer(help="Incidents for operations staff: list them, retry one.", invoke_without_command=True)


def _jsonable(record: Any) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in asdict(record).items()}


def _about(incident: incidents.Incident) -> str:
    if incident.digest_id is not None:
        return f"sweep digest {incident.digest_id}"
    return f"case {incident.case_reference or '-'}"


def _line(incident: incidents.Incident) -> str:
    run = f"  flow run {incident.flow_run_id}" if incident.flow_run_id else ""
    return (
        f"  #{incident.id} {incident.kind}  {_about(incident)}  opened {incident.opened_at:%Y-%m-%d %H:%M}"
        f"  retries {incident.retries}{run}  error: {incident.error}"
    )


def _outbox_line(row: incidents.Undelivered) -> str:
    due = f"  next attempt {row.next_attempt_at:%Y-%m-%d %H:%M:%S}" if row.next_attempt_at else ""
    error = f"  error: {row.last_error}" if row.last_error else ""
    return f"  outbox {row.outbox_id}  case {row.case_reference}  attempts {row.attempts}{due}{error}"


@app.callback()
def show(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document: incidents and undelivered rows.")] = False,
) -> None:
    """List open incidents and the outbox rows not yet delivered."""
    if context.invoked_subcommand is not None:
        return
    engine = bootstrap().engine
    require_schema(engine)
    with engine.connect() as connection:
        found, waiting = incidents.open_incidents(connection), incidents.undelivered(connection)
    engine.dispose()
    if as_json:
        document = {"incidents": [_jsonable(i) for i in found], "undelivered": [_jsonable(r) for r in waiting]}
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"open incidents: {len(found)}")
    for incident in found:
        typer.echo(_line(incident))
    typer.echo(f"undelivered outbox rows: {len(waiting)}")
    for row in waiting:
        typer.echo(_outbox_line(row))


@app.command()
def retry(incident_id: Annotated[int, typer.Argument(help="The incident's id, as listed.")]) -> None:
    """Retry one incident: send its e-mail (a notice or a sweep digest) again, or queue its outbox row."""
    app_ = bootstrap()
    require_schema(app_.engine)
    settings = app_.settings
    email = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender) if settings.smtp_host else None
    try:
        typer.echo(incident_retry.retry(app_.engine, incident_id, email, utc_now()))
    finally:
        app_.engine.dispose()
