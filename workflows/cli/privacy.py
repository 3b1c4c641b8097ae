"""`caseflow privacy`: rectify or erase the free text a case recorded, and export everything held about a child."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from workflows.cli.connected import connected
from workflows.settings import utc_now

__all__ = ["app"]

app = typer.Typer(help="Personal data: rectify, erase, subject access export.", no_args_is_help=True)

ACTOR_HELP = "Your staff id (a data-protection officer in the staff directory)."
ROLE_HELP = "The role you act in: data_protection_officer."


def _changed(reference: str, field: str, verb: str, seq: int) -> None:
    typer.echo(f"case {reference}: field {field} {verb} (audit event seq {seq}); the audit chain still verifies")


@app.command()
def rectify(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    field: Annotated[str, typer.Argument(help="The free-text field, e.g. child_views.")],
    actor: Annotated[str, typer.Option("--actor", help=ACTOR_HELP)],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
) -> None:
    """Replace the newest text of FIELD with the text read from stdin; the change is its own audit event."""
    from workflows.services import caller_from_directory, rectify

    text = sys.stdin.read()
    with connected() as application, application.engine.begin() as connection:
        caller = caller_from_directory(connection, actor, role, "cli")
        when = (application.settings.today(), utc_now())
        seq = rectify(connection, caller, reference, field, text, when)
    _changed(reference, field, "rectified", seq)


@app.command()
def erase(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    field: Annotated[str, typer.Argument(help="The free-text field, e.g. child_views.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: retention_expired, data_subject_request, ...")],
    actor: Annotated[str, typer.Option("--actor", help=ACTOR_HELP)],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
) -> None:
    """Erase every kept text of FIELD on the case; the erasure and its reason are their own audit event."""
    from workflows.services import caller_from_directory, erase

    with connected() as application, application.engine.begin() as connection:
        caller = caller_from_directory(connection, actor, role, "cli")
        seq = erase(connection, caller, reference, field, reason, (application.settings.today(), utc_now()))
    _changed(reference, field, "erased", seq)


@app.command()
def export(
    child_id: Annotated[str, typer.Option("--child-id", help="The authority's id for the child.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write subject-access.json and .html into.")],
) -> None:
    """Everything held about one child (cases, actions, history, notices, escalations, free text): JSON and HTML."""
    from workflows.services import subject_access, write_subject_access

    with connected() as application, application.engine.connect() as connection:
        held = subject_access(connection, child_id)
    as_json, as_html = write_subject_access(held, out)
    # The child id is personal: the line names the files and the count, never the id.
    typer.echo(f"{len(held['cases'])} cases written to {as_json} and {as_html}")
