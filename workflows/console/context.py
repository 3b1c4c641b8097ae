"""What every console page needs: the application, the session store, the templates, and who is signed in.

The signed-in person acts in one role: the most senior console role they hold (CONSOLE_ROLE_ORDER), chosen at
sign-in and shown on every page. Access to cases is the one rule of `workflows.services.access`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from workflows.bootstrap import App
from workflows.console.errors import FormRefused, SignInNeeded
from workflows.console.forms import CSRF_FIELD, FormFields
from workflows.console.sessions import SESSION_COOKIE, ConsoleSession, SessionStore, same_token
from workflows.services import ActorRefused, Caller, StaffMember, caller_from_directory

__all__ = ["CHANNEL", "CONSOLE_ROLE_ORDER", "ConsoleContext", "SignedIn", "acting_role", "local_path"]

CHANNEL = "console"
# Most senior first: a person holding several roles acts in the first of these they hold (then any other, by name).
CONSOLE_ROLE_ORDER = (
    "head_of_service",
    "service_manager",
    "team_manager",
    "operations",
    "cp_chair",
    "business_support",
    "social_worker",
)
# Scripts, styles and images from this site only, no inline script, never framed; pages hold case facts, so no caching.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Where a sign-in may send its person back to: a path of this site, never another site ("//host").
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.\-]*(\?[A-Za-z0-9=&_.\-%]*)?$")


def acting_role(member: StaffMember) -> str | None:
    """The role `member` acts in on the console: their most senior held role, or None when they hold none."""
    ranked = sorted(
        member.roles,
        key=lambda role: (
            (CONSOLE_ROLE_ORDER.index(role), "") if role in CONSOLE_ROLE_ORDER else (len(CONSOLE_ROLE_ORDER), role)
        ),
    )
    return ranked[0] if ranked else None


def local_path(candidate: str | None, default: str = "/cases") -> str:
    """`candidate` when it is a path of this site, else `default`: a sign-in never redirects elsewhere."""
    return candidate if candidate and _LOCAL_PATH.match(candidate) else default


@dataclass(frozen=True)
class SignedIn:
    """A request's signed-in person: the access rule's caller, and their session."""

    caller: Caller
    session: ConsoleSession


class ConsoleContext:
    """The application, the sessions and the templates, and the checks every page and form makes."""

    def __init__(self, application: App) -> None:
        self.application = application
        self.sessions = SessionStore(application.engine, application.settings.session_minutes)
        self._templates = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True
        )

    @property
    def engine(self) -> Engine:
        return self.application.engine

    def signed_in(self, request: Request) -> SignedIn:
        """Who is signed in; SignInNeeded when nobody is (no cookie, an idle session, a deactivated member)."""
        session = self.sessions.find(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            try:
                with self.engine.connect() as connection:
                    caller = caller_from_directory(connection, session.staff_id, session.role, CHANNEL)
                return SignedIn(caller, session)
            except ActorRefused:
                # Deactivated, or no longer holding the role signed in with: the session is over.
                self.sessions.end(request.cookies.get(SESSION_COOKIE))
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(local_path(target))

    def signed_form(self, request: Request, form: FormFields) -> SignedIn:
        """Who posted `form`, which must carry their session's CSRF token; FormRefused when it does not."""
        signed = self.signed_in(request)
        if not same_token(form.get(CSRF_FIELD), signed.session.csrf_token):
            raise FormRefused("This form was not sent from the page it belongs to: go back, reload it and try again.")
        return signed

    def render(
        self, request: Request, template: str, signed: SignedIn | None, status: int = 200, **values: Any
    ) -> HTMLResponse:
        """The page `template` filled with `values`, the signed-in person and the navigation."""
        page = self._templates.get_template(template).render(
            signed=signed,
            csrf_token=signed.session.csrf_token if signed else None,
            current_path=request.url.path,
            **values,
        )
        response = HTMLResponse(page, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response
