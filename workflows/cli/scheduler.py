"""`caseflow scheduler`: the nightly sweep and the outbox dispatch, run by whichever copy holds the lease."""

from __future__ import annotations

import os
import signal
import socket
import threading
from datetime import timedelta
from typing import Annotated

import typer

from workflows.bootstrap import bootstrap
from workflows.stack import prefect_environment, prefect_home


def scheduler(
    dispatch_seconds: Annotated[float, typer.Option(min=0.1, help="Seconds between outbox dispatch passes.")] = 5.0,
    lease_seconds: Annotated[float, typer.Option(min=1, help="How long the lease lasts unrenewed.")] = 30.0,
    renew_seconds: Annotated[
        float, typer.Option(min=0.1, help="Seconds between lease renewals (and standby polls).")
    ] = 5.0,
) -> None:
    """Run the scheduler until Ctrl-C; a second copy waits as a hot standby and takes over if this one dies."""
    app = bootstrap()
    settings = app.settings
    api_url = settings.prefect_api_url or f"http://{settings.prefect_host}:{settings.prefect_port}/api"
    os.environ.update(prefect_environment(settings, api_url))
    # Our loggers reach the UI inside runs; outside one (dispatch passes, lease changes) they stay local.
    os.environ["PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW"] = "ignore"
    prefect_home(settings).mkdir(parents=True, exist_ok=True)
    from prefect.context import refresh_global_settings_context

    # Prefect may already be imported (other commands load it): make every thread see the environment set above.
    refresh_global_settings_context()

    from workflows.bootstrap import Runtime, install_runtime
    from workflows.delivery import SmtpChannel
    from workflows.persistence import load_all_policies
    from workflows.scheduling import LeasedScheduler, SchedulerConfig, check_sweep_time

    check_sweep_time(settings.timezone, settings.sweep_time, settings.today())
    email = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender) if settings.smtp_host else None
    install_runtime(Runtime(app.engine, load_all_policies(settings.policy_dir), email))
    config = SchedulerConfig(
        timezone=settings.timezone,
        sweep_time=settings.sweep_time,
        dispatch_every=timedelta(seconds=dispatch_seconds),
        lease_ttl=timedelta(seconds=lease_seconds),
        renew_every=timedelta(seconds=renew_seconds),
    )
    leased = LeasedScheduler(app.engine, config, holder=f"{socket.gethostname()}-{os.getpid()}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(f"scheduler {leased.holder}: standby, waiting for the lease (Prefect API {api_url})")
    leased.run(
        stop,
        on_change=lambda active: typer.echo(
            f"scheduler {leased.holder}: {'active' if active else 'lost the lease, standby'}"
        ),
    )
    app.engine.dispose()
    typer.echo(f"scheduler {leased.holder}: stopped")
