"""`caseflow escalate REF`: a manager raises an escalation on a case by hand, with an optional private note."""

from __future__ import annotations

from typing import Annotated

import typer

from states.input_rules import check_identifier, check_present
from workflows.bootstrap import bootstrap
from workflows.cli import date_option
from workflows.cli.acting import manager_caller
from workflows.persistence import load_all_policies, require_schema
from workflows.services import RAISED_VIA_CLI, EscalationReason, EscalationRequest, ManagerEscalations


def escalate(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    level: Annotated[
        str, typer.Option("--level", help="Ladder level: team_manager, service_manager, head_of_service.")
    ],
    reason: Annotated[EscalationReason, typer.Option("--reason", help="Reason code.")],
    manager: Annotated[
        str, typer.Option("--manager", help="Your staff id: an active member of the staff directory, a manager.")
    ],
    note: Annotated[str | None, typer.Option("--note", help="Free text; stored in the database only.")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Date of the escalation (default: today).")] = None,
) -> None:
    """Raise an escalation; only a manager over the case's team may, and the attempt is audited either way."""
    check_identifier(reference, "case reference")
    check_identifier(manager, "--manager")
    if note is not None:
        check_present(note, "--note", "some text, or no --note")
    app = bootstrap()
    day = date_option(today, "--today", app.settings.today())
    require_schema(app.engine)
    manager_caller(app.engine, manager)
    service = ManagerEscalations(app.engine, load_all_policies(app.settings.policy_dir))
    escalation_id = service.raise_escalation(
        EscalationRequest(reference, level, reason, manager, day, raised_via=RAISED_VIA_CLI), note=note
    )
    typer.echo(f"escalation {escalation_id} raised on case {reference} to {level}")
