"""Signing in and out: the local form (staff id and password, checked against argon2 hashes) for the embedded
default; the authority's OpenID Connect provider in production (its branch plugs in below)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from workflows.console.context import CHANNEL, ConsoleContext, acting_role, local_path
from workflows.console.errors import FormRefused
from workflows.console.forms import CSRF_FIELD, FormFields, form_fields
from workflows.console.sessions import SESSION_COOKIE, same_token
from workflows.logs import get_logger
from workflows.services import StaffPasswords

__all__ = ["SIGN_IN_COOKIE", "sign_in_routes"]

# The sign-in form's own CSRF token (there is no session yet): a random value in a short-lived cookie, repeated in
# the form (double submit). SameSite=Lax already keeps other sites' posts from carrying it.
SIGN_IN_COOKIE = "caseflow_sign_in"
SIGN_IN_SECONDS = 15 * 60
FAILED = "Enter a staff ID and password that match a member of staff with a console password"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def sign_in_routes(context: ConsoleContext) -> APIRouter:
    """GET and POST /sign-in, POST /sign-out."""
    router = APIRouter(include_in_schema=False)
    passwords = StaffPasswords(context.engine)
    settings = context.application.settings

    def form_page(request: Request, status: int = 200, error: str | None = None, staff_id: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        next_path = local_path(request.query_params.get("next"))
        page = context.render(
            request, "sign_in.html", None, status, sign_in_token=token, error=error, staff_id=staff_id, next=next_path
        )
        page.set_cookie(
            SIGN_IN_COOKIE, token, max_age=SIGN_IN_SECONDS, httponly=True, samesite="lax", secure=_secure(request)
        )
        return page

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_form(request: Request) -> Response:
        # OIDC: when CASEFLOW_OIDC_ISSUER is set, this is where the authorization code flow with PKCE starts:
        # redirect to the provider through workflows.services.oidc, and add GET /sign-in/callback, which verifies the
        # ID token, maps its claim to a staff id and calls _start_session. The local form below is the embedded default.
        if getattr(settings, "oidc_issuer", None):
            raise FormRefused("Sign-in through the identity provider is not available in this build", status=501)
        return form_page(request)

    @router.post("/sign-in", response_class=HTMLResponse)
    def sign_in(request: Request, form: Annotated[FormFields, Depends(form_fields)]) -> Response:
        if not same_token(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_COOKIE) or ""):
            raise FormRefused("This form has expired: reload the sign-in page and try again.")
        staff_id = form.get("staff_id", "").strip()[:64]
        member = passwords.check(staff_id, form.get("password", "")) if staff_id else None
        role = acting_role(member) if member is not None else None
        if member is None or role is None:
            # No staff id in the log: a mistyped one is sometimes the password, typed in the wrong box.
            get_logger("caseflow.console").warning("console_sign_in_refused")
            return form_page(request, 401, FAILED, staff_id if staff_id.isprintable() else "")
        return _start_session(context, request, member.id, role, local_path(form.get("next")))

    @router.post("/sign-out")
    def sign_out(request: Request, form: Annotated[FormFields, Depends(form_fields)]) -> Response:
        context.signed_form(request, form)
        context.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
        return response

    return router


def _start_session(context: ConsoleContext, request: Request, staff_id: str, role: str, next_path: str) -> Response:
    """Signed in: a new session (never one carried over from before sign-in), and on to `next_path`."""
    secret = context.sessions.start(staff_id, role)
    get_logger("caseflow.console").info("console_signed_in", staff_id=staff_id, role=role, channel=CHANNEL)
    response = RedirectResponse(next_path, status_code=303)
    # No max-age: the server ends the session after CASEFLOW_SESSION_MINUTES of inactivity, however long it lasts.
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request))
    response.delete_cookie(SIGN_IN_COOKIE)
    return response
