"""Who is calling: `Authorization: Bearer <token>` resolved to a member of staff, acting in one role they hold.

The role: the `Caseflow-Role` header names it; without the header, a member holding exactly one role acts in that
one, and a member holding several must say which (422 naming the header). A role named but not held is 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workflows.api.errors import CredentialsMissing, RoleNotChosen
from workflows.bootstrap import App
from workflows.services import Caller, StaffMember, act_as, bearer_member

__all__ = ["CHANNEL", "ROLE_HEADER", "application_of", "authenticated_member", "current_caller", "member_for_token"]

CHANNEL = "api"
ROLE_HEADER = "Caseflow-Role"
_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "An API token (`caseflow staff token create STAFF_ID`), sent as `Authorization: Bearer cf_...`, or a JWT "
        "from the authority's OpenID Connect provider."
    ),
)


def application_of(request: Request) -> App:
    """The application the API was created for (`create_app`)."""
    application: App = request.app.state.application
    return application


def member_for_token(application: App, token: str) -> StaffMember:
    """The one place a bearer token becomes a member of staff: the active holder of a live API token or of a JWT
    from the authority's identity provider (when CASEFLOW_OIDC_* is set), or TokenRefused (a 401)."""
    return bearer_member(application.engine, application.settings, token)


def authenticated_member(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> StaffMember:
    """The member of staff the request's bearer token belongs to; CredentialsMissing without one."""
    if credentials is None:
        problem = "not a bearer token" if request.headers.get("Authorization") else "missing"
        raise CredentialsMissing(f"header Authorization: {problem}: expected 'Authorization: Bearer <token>'")
    return member_for_token(application_of(request), credentials.credentials)


def current_caller(
    member: Annotated[StaffMember, Depends(authenticated_member)],
    role: Annotated[
        str | None,
        Header(
            alias=ROLE_HEADER,
            pattern=r"^[a-z][a-z0-9_]{0,31}$",
            description="The role to act in, one you hold (e.g. social_worker); needed when you hold several.",
        ),
    ] = None,
) -> Caller:
    """The authenticated member acting in the role the request names (or their only one)."""
    if role is None:
        if len(member.roles) != 1:
            held = ", ".join(member.roles) or "none"
            raise RoleNotChosen(f"header {ROLE_HEADER}: missing: expected one of the roles you hold ({held})")
        role = member.roles[0]
    return act_as(member, role, CHANNEL)
