"""`caseflow worker`: deliver case-transition work from the outbox, several runs at once, beside any other workers."""

from __future__ import annotations

import os
import signal
import socket
from datetime import timedelta
from typing import Annotated

import typer

from workflows.bootstrap import bootstrap
from workflows.cli.seconds import seconds_option
from workflows.stack import use_prefect

# SQLite has no NOTIFY, so a worker polls it often; on PostgreSQL a NOTIFY wakes it and the poll is only a fallback.
SQLITE_POLL_SECONDS = 0.25
POSTGRESQL_POLL_SECONDS = 5.0


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Case-transition runs at once (each case still one at a time).")
    ] = 4,
    lease_seconds: Annotated[
        float,
        seconds_option(2, 3600, "How long a claim on a row lasts unrenewed: another worker redelivers it then"),
    ] = 30.0,
    poll_seconds: Annotated[
        float | None,
        seconds_option(
            0.05, 300, "Seconds between looks for work unprompted (default 0.25 on SQLite, 5 on PostgreSQL)"
        ),
    ] = None,
    stop_seconds: Annotated[float, seconds_option(0, 3600, "How long a stop waits for runs in progress")] = 15.0,
) -> None:
    """Deliver committed outbox rows to the case-transition flow until SIGTERM or Ctrl-C; run as many as you like."""
    app = bootstrap()
    settings = app.settings
    api_url = use_prefect(settings)

    from workflows.bootstrap import Runtime, install_runtime
    from workflows.delivery import SmtpChannel, WorkerConfig
    from workflows.flows import outbox_worker
    from workflows.persistence import make_engine, require_schema

    require_schema(app.engine)
    app.engine.dispose()
    # A connection per run in progress, and a few for claims, renewals and the heartbeat.
    engine = make_engine(settings.effective_database_url, pool_size=concurrency + 4)
    postgresql = engine.dialect.name == "postgresql"
    email = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender) if settings.smtp_host else None
    install_runtime(Runtime(engine, app.policies, email))
    poll = poll_seconds or (POSTGRESQL_POLL_SECONDS if postgresql else SQLITE_POLL_SECONDS)
    config = WorkerConfig(
        concurrency=concurrency,
        lease=timedelta(seconds=lease_seconds),
        poll=timedelta(seconds=poll),
        stop_grace=timedelta(seconds=stop_seconds),
    )
    host, pid = socket.gethostname(), os.getpid()
    running = outbox_worker(engine, f"worker-{host}-{pid}", config, host=host, pid=pid)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    signal.signal(signal.SIGINT, lambda *_: running.stop())
    wakes = "NOTIFY" if postgresql else f"a poll every {poll:g} s"
    typer.echo(f"worker {running.name}: {concurrency} runs at once, woken by {wakes} (Prefect API {api_url})")
    running.run()
    engine.dispose()
    typer.echo(f"worker {running.name}: stopped")
