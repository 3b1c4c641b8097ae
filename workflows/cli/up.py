"""`caseflow up`: the stack on one machine: database, Prefect server, served deployments, outbox worker, scheduler."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from workflows.bootstrap import App, bootstrap
from workflows.cli.seconds import seconds_option
from workflows.persistence import schema
from workflows.scheduling import check_sweep_time
from workflows.services import DEMO_PREFIX, is_empty, load_demo
from workflows.stack import Stack, StackPartFailed, logs_dir, next_sweep, start_stack
from workflows.stack.deployments import DEPLOYMENTS

# How often `up` looks at its parts while it waits for Ctrl-C.
WATCH_SECONDS = 1.0


def _demo(app: App, wanted: bool | None) -> None:
    # The demo goes only into the embedded database unless asked for: never into a real one by accident.
    if wanted is False or (wanted is None and app.settings.database_url) or not is_empty(app.engine):
        return
    report = load_demo(app.engine, app.policies, app.settings.today())
    last = f"{DEMO_PREFIX}{report.cases:04d}"
    typer.echo(
        f"demo caseload: {report.cases} fictional cases ({DEMO_PREFIX}0001 to {last}), {report.late} with late actions"
    )
    typer.echo(
        f"console sign-in (demo north team manager): staff id {report.console_staff_id}, "
        f"password {report.console_password}"
    )


def _watch(stack: Stack, stopping: threading.Event) -> None:
    while not stopping.wait(WATCH_SECONDS):
        failed = stack.failed_part()
        if failed is not None:
            raise StackPartFailed(f"{failed.name} exited with code {failed.exited()}; see {failed.log_path}")


def up(
    demo: Annotated[
        bool | None,
        typer.Option(
            "--demo/--no-demo",
            help="Load the fictional demo caseload into an empty database "
            "(default: yes for the embedded SQLite database, no for a configured one).",
        ),
    ] = None,
    dispatch_seconds: Annotated[
        float,
        seconds_option(0.5, 3600, "Seconds between the scheduler's outbox dispatch jobs (they wake the worker)"),
    ] = 5.0,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Case-transition runs at once in the outbox worker.")
    ] = 4,
    api_host: Annotated[str, typer.Option("--api-host", help="Address the HTTP API listens on.")] = "127.0.0.1",
    api_port: Annotated[int, typer.Option("--api-port", min=1, max=65535, help="Port of the HTTP API.")] = 8000,
) -> None:
    """Migrate the database, start (or reuse) Prefect, serve the deployments, run the outbox worker, the scheduler and
    the HTTP API until Ctrl-C."""
    app = bootstrap()
    check_sweep_time(app.settings.timezone, app.settings.sweep_time, app.settings.today())
    schema.upgrade(app.engine)
    typer.echo(f"database: {app.engine.url.render_as_string(hide_password=True)} (migrated)")
    _demo(app, demo)
    stopping = threading.Event()
    # SIGINT too, explicitly: a shell that starts `up` in the background without job control hands it SIGINT
    # ignored, and Python then never raises KeyboardInterrupt, so Ctrl-C from a supervisor would stop nothing.
    # Set before the parts start, so they begin with the default dispositions rather than an inherited ignore.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopping.set())
    stack = start_stack(
        app.settings,
        dispatch_seconds=dispatch_seconds,
        concurrency=concurrency,
        api_address=(api_host, api_port),
        on_step=typer.echo,
    )
    try:
        typer.echo(f"deployments served: {', '.join(DEPLOYMENTS)}")
        typer.echo(f"worker: {concurrency} case-transition runs at once, in order within each case")
        typer.echo(
            f"scheduler: outbox dispatch every {dispatch_seconds:g} s; next deadline sweep "
            f"{next_sweep(app.settings):%Y-%m-%d %H:%M %Z} ({app.settings.timezone})"
        )
        typer.echo(f"API: http://{api_host}:{api_port}/api/v1 (docs/api.md)")
        typer.echo(f"console: http://{api_host}:{api_port}/sign-in (docs/console.md)")
        typer.echo(f"logs: {logs_dir(app.settings)}")
        typer.echo(f"Prefect UI: {stack.server.ui_url}")
        typer.echo("press Ctrl-C to stop")
        _watch(stack, stopping)
    except KeyboardInterrupt:
        pass
    finally:
        typer.echo("stopping ...")
        stack.stop()
        app.engine.dispose()
        typer.echo("stopped")
