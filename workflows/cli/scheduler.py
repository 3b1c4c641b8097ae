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
from workflows.cli.errors import OptionsInvalid
from workflows.cli.seconds import seconds_option
from workflows.stack import use_prefect


def scheduler(
    dispatch_seconds: Annotated[float, seconds_option(0.1, 3600, "Seconds between outbox dispatch passes")] = 5.0,
    lease_seconds: Annotated[float, seconds_option(1, 3600, "How long the lease lasts unrenewed")] = 30.0,
    renew_seconds: Annotated[
        float, seconds_option(0.1, 3600, "Seconds between lease renewals (and standby polls)")
    ] = 5.0,
) -> None:
    """Run the scheduler until Ctrl-C; a second copy waits as a hot standby and takes over if this one dies."""
    if renew_seconds >= lease_seconds:
        # A lease renewed no sooner than it lapses is lost between renewals: a standby would take over a live copy.
        raise OptionsInvalid("--renew-seconds: expected less than --lease-seconds, so the lease is renewed in time")
    app = bootstrap()
    settings = app.settings
    api_url = use_prefect(settings)

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
