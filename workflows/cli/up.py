"""`caseflow up`: the embedded stack on one machine."""

from __future__ import annotations

import signal
import threading

import typer

from workflows import schema
from workflows.bootstrap import bootstrap
from workflows.prefect_server import ensure_server


def up() -> None:
    """Create and migrate the database, start (or reuse) the Prefect server, and run until Ctrl-C."""
    app = bootstrap()
    schema.upgrade(app.engine)
    typer.echo(f"database: {app.engine.url.render_as_string(hide_password=True)} (migrated)")
    typer.echo("starting Prefect server ..." if not app.settings.prefect_api_url else "connecting to Prefect ...")
    server = ensure_server(app.settings)
    typer.echo(f"Prefect UI: {server.ui_url}")
    typer.echo(f"Prefect API: {server.api_url}")
    typer.echo("press Ctrl-C to stop")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        typer.echo("stopping ...")
        server.stop()
        app.engine.dispose()
        typer.echo("stopped")
