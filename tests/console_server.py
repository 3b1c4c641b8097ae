"""The console on a FastAPI app of its own, for the console's tests: `uvicorn --factory tests.console_server:app`.

The settings come from the CASEFLOW_* environment the test gives the server process, as in production.
"""

from __future__ import annotations

from fastapi import FastAPI

from workflows.bootstrap import bootstrap
from workflows.console import mount_console


def app() -> FastAPI:
    """A FastAPI app serving the console alone, on the database the environment names."""
    application = bootstrap()
    served = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mount_console(served, application)
    return served
