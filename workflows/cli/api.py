"""`caseflow api`: serve the HTTP API (docs/api.md) and the console (docs/console.md) with uvicorn until Ctrl-C."""

from __future__ import annotations

from typing import Annotated

import typer

API_LOGGER = "caseflow.api"


def api(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API for case-management systems and the console for managers and operations staff."""
    import uvicorn

    from workflows.api import API_PREFIX
    from workflows.bootstrap import bootstrap
    from workflows.logs import get_logger
    from workflows.persistence import require_schema
    from workflows.stack import web_app

    application = bootstrap()
    require_schema(application.engine)
    typer.echo(f"API: http://{host}:{port}{API_PREFIX} (OpenAPI: {API_PREFIX}/openapi.json)")
    typer.echo(f"Console: http://{host}:{port}/sign-in; press Ctrl-C to stop")
    get_logger(API_LOGGER).info("api_started", host=host, port=port)
    try:
        # No access log: uvicorn's would print every path and query string, and ours are enough (the services log
        # what they do, with case references and staff ids). Uvicorn's own lines still say when it listens.
        uvicorn.run(web_app(application), host=host, port=port, access_log=False, log_level="warning")
    finally:
        application.engine.dispose()
    typer.echo("API: stopped")
