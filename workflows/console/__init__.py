"""The staff console: server-rendered GOV.UK Frontend pages for managers and operations staff, on the API's app.

`mount_console(app, application)` adds the pages (sign-in, your work, a case and its escalate form, late work,
operations) and their static files (GOV.UK Frontend and MOJ Frontend, installed by `npm ci` in
`workflows/console/assets`; nothing is fetched at run time).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from workflows.bootstrap import App
from workflows.console.case_pages import case_routes
from workflows.console.context import ConsoleContext
from workflows.console.errors import ConsoleError, FormRefused, NotPermitted, PageNotFound, SignInNeeded
from workflows.console.late_work import late_work_routes
from workflows.console.operations_page import operations_routes
from workflows.console.sign_in import sign_in_routes

__all__ = ["ASSETS", "ConsoleError", "FormRefused", "NotPermitted", "PageNotFound", "SignInNeeded", "mount_console"]

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets" / "node_modules"
# URL prefix -> folder; the more specific prefixes first. GOV.UK Frontend's stylesheet loads its fonts and images
# from /assets, so its assets folder is served there.
STATIC = (
    ("/console-static/govuk", ASSETS / "govuk-frontend" / "dist" / "govuk"),
    ("/console-static/moj", ASSETS / "@ministryofjustice" / "frontend" / "moj"),
    ("/console-static", HERE / "static"),
    ("/assets", ASSETS / "govuk-frontend" / "dist" / "govuk" / "assets"),
)


def mount_console(app: FastAPI, application: App) -> None:
    """Add the console's pages, static files and error pages to `app` (the API's FastAPI app)."""
    missing = [str(folder) for _, folder in STATIC if not folder.is_dir()]
    if missing:
        raise ConsoleError(
            f"console assets missing ({missing[0]}): run `npm ci` in workflows/console/assets (make does)"
        )
    for prefix, folder in STATIC:
        app.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/").replace("/", "-"))
    context = ConsoleContext(application)
    for routes in (sign_in_routes, case_routes, late_work_routes, operations_routes):
        app.include_router(routes(context))

    async def error_page(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInNeeded):
            return RedirectResponse(f"/sign-in?{urlencode({'next': exc.next_path})}", status_code=303)
        assert isinstance(exc, ConsoleError)
        return context.render(request, "error.html", None, exc.status, code=exc.status, message=str(exc))

    app.add_exception_handler(ConsoleError, error_page)
