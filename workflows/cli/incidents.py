"""`caseflow incidents`: what failed past its retries, the outbox backlog and the workers on it, and retrying one."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer

from workflows.bootstrap import bootstrap
from workflows.delivery import Backlog, SmtpChannel, WorkerRecord, backlog, incidents, workers
from workflows.persistence import require_schema
from workflows.services import incident_retry
from workflows.settings import utc_now

# `caseflow worker`'s default claim lease: a worker not seen for longer has died (or runs with a longer lease).
WORKER_LEASE_SECONDS = 30.0

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


def _age(since: datetime | None, now: datetime) -> str:
    return "-" if since is None else f"{max(0.0, (now - since).total_seconds()):.1f} s"


def _backlog_line(waiting: Backlog, now: datetime) -> str:
    return (
        f"outbox backlog: {waiting.undelivered} undelivered, oldest {_age(waiting.oldest_created_at, now)} old; "
        f"runs in flight {waiting.in_flight}; backing off {waiting.backing_off}"
    )


def _worker_line(worker: WorkerRecord, now: datetime, lease_seconds: float) -> str:
    seen = (now - worker.seen_at).total_seconds()
    gone = f"  not seen for {seen:.0f} s: presumed dead, its claims run out" if seen > lease_seconds else ""
    return (
        f"  {worker.name}  {worker.concurrency} at once  in flight {worker.in_flight}  waiting behind them "
        f"{worker.waiting}  delivered {worker.delivered}  failed {worker.failed}  seen {_age(worker.seen_at, now)} ago"
        f"{gone}"
    )


def _outbox_line(row: incidents.Undelivered) -> str:
    due = f"  next attempt {row.next_attempt_at:%Y-%m-%d %H:%M:%S}" if row.next_attempt_at else ""
    held = f"  held by {row.claimed_by} until {row.claimed_until:%H:%M:%S}" if row.claimed_until else ""
    error = f"  error: {row.last_error}" if row.last_error else ""
    return f"  outbox {row.outbox_id}  case {row.case_reference}  attempts {row.attempts}{due}{held}{error}"


@app.callback()
def show(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document: incidents and undelivered rows.")] = False,
) -> None:
    """List open incidents, the outbox backlog, the workers delivering it, and the rows not yet delivered."""
    if context.invoked_subcommand is not None:
        return
    engine = bootstrap().engine
    require_schema(engine)
    now = utc_now()
    with engine.connect() as connection:
        found, waiting = incidents.open_incidents(connection), incidents.undelivered(connection)
        pending, running = backlog(connection, now), workers(connection, now)
    engine.dispose()
    if as_json:
        document = {
            "incidents": [_jsonable(i) for i in found],
            "backlog": _jsonable(pending),
            "workers": [_jsonable(w) for w in running],
            "undelivered": [_jsonable(r) for r in waiting],
        }
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"open incidents: {len(found)}")
    for incident in found:
        typer.echo(_line(incident))
    typer.echo(_backlog_line(pending, now))
    typer.echo(f"workers: {len(running)}")
    for worker in running:
        typer.echo(_worker_line(worker, now, WORKER_LEASE_SECONDS))
    typer.echo(f"undelivered outbox rows: {len(waiting)}")
    for row in waiting:
        typer.echo(_outbox_line(row))


@app.command()
def retry(
    # At most the largest id a database integer column holds: a bigger number is a usage error, not a crash.
    incident_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help="The incident's id, as listed.")],
) -> None:
    """Retry one incident: send its e-mail (a notice or a sweep digest) again, or queue its outbox row."""
    app_ = bootstrap()
    require_schema(app_.engine)
    settings = app_.settings
    email = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender) if settings.smtp_host else None
    try:
        typer.echo(incident_retry.retry(app_.engine, incident_id, email, utc_now(), app_.policies))
    finally:
        app_.engine.dispose()
