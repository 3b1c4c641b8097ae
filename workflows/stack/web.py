"""The one web application `caseflow api` serves: the HTTP API under /api/v1 and the console's pages under /."""

from __future__ import annotations

from fastapi import FastAPI

from workflows.api import create_app
from workflows.bootstrap import App
from workflows.console import mount_console

__all__ = ["web_app"]


def web_app(application: App) -> FastAPI:
    """The API with the console mounted on it: one process, one identity and access rule, one address."""
    app = create_app(application)
    mount_console(app, application)
    return app
