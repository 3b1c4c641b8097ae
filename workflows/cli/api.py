"""`caseflow api`: serve the HTTP API (docs/api.md) with uvicorn until Ctrl-C."""

from __future__ import annotations

from typing import Annotated

import typer

API_LOGGER = "caseflow.api"


def api(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API for case-management systems: cases, triggers, escalations, late work, health, metrics."""
    import uvicorn

    from workflows.api import API_PREFIX, create_app
    from workflows.bootstrap import bootstrap
    from workflows.logs import get_logger
    from workflows.persistence import require_schema

    application = bootstrap()
    require_schema(application.engine)
    typer.echo(f"API: http://{host}:{port}{API_PREFIX} (OpenAPI: {API_PREFIX}/openapi.json); press Ctrl-C to stop")
    get_logger(API_LOGGER).info("api_started", host=host, port=port)
    try:
        # No access log: uvicorn's would print every path and query string, and ours are enough (the services log
        # what they do, with case references and staff ids). Uvicorn's own lines still say when it listens.
        uvicorn.run(create_app(application), host=host, port=port, access_log=False, log_level="warning")
    finally:
        application.engine.dispose()
    typer.echo("API: stopped")
