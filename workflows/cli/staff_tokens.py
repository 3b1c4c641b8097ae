"""`caseflow staff token ...`: API tokens for people and systems, shown once, stored hashed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from workflows.bootstrap import bootstrap
from workflows.persistence import require_schema
from workflows.services import (
    DEFAULT_EXPIRY_DAYS,
    MAX_EXPIRY_DAYS,
    TokenInfo,
    create_token,
    list_tokens,
    revoke_token,
)

app = typer.Typer(help="API tokens: create one (shown once), revoke one, list them.", no_args_is_help=True)


def _when(value: datetime | None, never: str = "-") -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else never


@app.command()
def create(
    staff_id: Annotated[str, typer.Argument(help="The member of staff (a person or a system) it acts as.")],
    expires_days: Annotated[
        int,
        typer.Option("--expires-days", min=1, max=MAX_EXPIRY_DAYS, help="Days until it expires, from today."),
    ] = DEFAULT_EXPIRY_DAYS,
    as_json: Annotated[bool, typer.Option("--json", help='{"token": ..., "id": ..., "expires_on": ...}')] = False,
) -> None:
    """Create a token and print it once: only a hash of its secret is kept, so it cannot be shown again."""
    app_ = bootstrap()
    require_schema(app_.engine)
    try:
        issued = create_token(app_.engine, staff_id, days=expires_days, timezone=app_.settings.timezone)
    finally:
        app_.engine.dispose()
    if as_json:
        document = {"token": issued.token, "id": issued.id, "expires_on": issued.expires_on.isoformat()}
        typer.echo(json.dumps(document))
        return
    typer.echo(f"API token {issued.id} for {staff_id}, expires on {issued.expires_on}; shown only this once:")
    typer.echo(issued.token)


@app.command()
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id, as listed.")]) -> None:
    """Revoke a token: it stops working at once."""
    app_ = bootstrap()
    require_schema(app_.engine)
    try:
        revoke_token(app_.engine, token_id)
    finally:
        app_.engine.dispose()
    typer.echo(f"API token {token_id} revoked")


def _document(token: TokenInfo, zone: ZoneInfo) -> dict[str, str | None]:
    return {
        "id": token.id,
        "staff_id": token.staff_id,
        "created_at": token.created_at.isoformat(),
        "expires_on": token.expires_at.astimezone(zone).date().isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


@app.command(name="list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="A JSON list instead of a table.")] = False) -> None:
    """List tokens: id, staff id, created, expires, revoked, last used; never a secret."""
    app_ = bootstrap()
    require_schema(app_.engine)
    try:
        tokens = list_tokens(app_.engine)
    finally:
        app_.engine.dispose()
    zone = ZoneInfo(app_.settings.timezone)
    if as_json:
        typer.echo(json.dumps([_document(token, zone) for token in tokens], indent=2))
        return
    for token in tokens:
        expires = token.expires_at.astimezone(zone).date()
        typer.echo(
            f"{token.id}\t{token.staff_id}\tcreated {_when(token.created_at)}\texpires on {expires}"
            f"\trevoked {_when(token.revoked_at)}\tlast used {_when(token.last_used_at, 'never')}"
        )
