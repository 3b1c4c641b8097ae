"""Signing in and out: the local form (staff id and password, checked against argon2 hashes) for the embedded
default; the authority's OpenID Connect provider in production (its branch plugs in below)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from workflows.console.context import CHANNEL, ConsoleContext, acting_role, local_path
from workflows.console.errors import FormRefused
from workflows.console.forms import CSRF_FIELD, FormFields, form_fields
from workflows.console.sessions import SESSION_COOKIE, same_token
from workflows.logs import get_logger
from workflows.services import OidcSignIn, OidcUnavailable, PendingSignIn, StaffPasswords, TokenRefused

__all__ = ["SIGN_IN_COOKIE", "sign_in_routes"]

# The sign-in form's own CSRF token (there is no session yet): a random value in a short-lived cookie, repeated in
# the form (double submit). SameSite=Lax already keeps other sites' posts from carrying it.
SIGN_IN_COOKIE = "caseflow_sign_in"
SIGN_IN_SECONDS = 15 * 60
# A sign-in through the identity provider under way: its state, nonce and PKCE verifier, from the redirect to the
# provider until its callback. HttpOnly and SameSite=Lax: sent on the provider's top-level redirect back, never read by
# a script; the verifier is useless without the code the provider gives only to this browser.
PROVIDER_COOKIE = "caseflow_oidc"
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

    # The authority's identity provider when the console is registered with it (CASEFLOW_OIDC_CLIENT_ID); the
    # local form, against passwords set with `caseflow staff password`, is the embedded default.
    provider = OidcSignIn(settings) if settings.oidc_issuer and settings.oidc_client_id else None

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_form(request: Request) -> Response:
        if provider is None:
            return form_page(request)
        try:
            pending = provider.start()
        except OidcUnavailable as unavailable:
            raise FormRefused(
                "The identity provider cannot be reached: try again in a few minutes.", 503
            ) from unavailable
        response = RedirectResponse(pending.url, status_code=303)
        response.set_cookie(
            PROVIDER_COOKIE,
            _pending_cookie(pending, local_path(request.query_params.get("next"))),
            max_age=SIGN_IN_SECONDS,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
        return response

    @router.get("/sign-in/callback", response_class=HTMLResponse)
    def provider_callback(request: Request) -> Response:
        """The provider sends the browser back here with a code: exchanged, its ID token checked, the member found."""
        if provider is None:
            raise FormRefused("Sign-in through the identity provider is not configured", status=404)
        kept = _pending_from_cookie(request.cookies.get(PROVIDER_COOKIE))
        if kept is None:
            raise FormRefused("This sign-in has expired: go to the sign-in page and try again.")
        pending, next_path = kept
        try:
            member = provider.finish(context.engine, pending, dict(request.query_params))
        except TokenRefused:
            member = None
        except OidcUnavailable as unavailable:
            raise FormRefused(
                "The identity provider cannot be reached: try again in a few minutes.", 503
            ) from unavailable
        role = acting_role(member) if member is not None else None
        if member is None or role is None:
            # The reason is in the log (oidc_token_refused); the person is told only that it failed.
            raise FormRefused("Sign-in through the identity provider failed: try again, or ask the service desk.", 401)
        response = _start_session(context, request, member.id, role, next_path)
        response.delete_cookie(PROVIDER_COOKIE)
        return response

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


def _pending_cookie(pending: PendingSignIn, next_path: str) -> str:
    kept = {"state": pending.state, "nonce": pending.nonce, "verifier": pending.code_verifier, "next": next_path}
    return base64.urlsafe_b64encode(json.dumps(kept).encode()).decode("ascii")


def _pending_from_cookie(value: str | None) -> tuple[PendingSignIn, str] | None:
    """The sign-in under way as the cookie keeps it; None when there is none or it is not one of ours."""
    try:
        kept = json.loads(base64.urlsafe_b64decode((value or "").encode("ascii")))
        fields = (kept["state"], kept["nonce"], kept["verifier"], kept["next"])
    except (ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(field, str) for field in fields):
        return None
    state, nonce, verifier, next_path = fields
    return PendingSignIn("", state, nonce, verifier), local_path(next_path)
