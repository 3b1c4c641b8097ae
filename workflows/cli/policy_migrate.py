"""`caseflow policy migrate`: move open actions' due dates to a new policy version (or list the moves)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from states.input_rules import check_identifier, check_present
from workflows.bootstrap import bootstrap
from workflows.cli.acting import active_member
from workflows.persistence import require_schema
from workflows.services import DueDateMove, MigrationReport
from workflows.services import migrate as migrate_cases
from workflows.settings import utc_now

# Recorded as the actor when no member of staff is named: a migration run by operations, not by a person's id typed.
SYSTEM_ACTOR = "policy-migration"


def _move_json(move: DueDateMove) -> dict[str, Any]:
    return {
        "case_reference": move.case_reference,
        "action_id": move.action_id,
        "kind": move.kind,
        "old_due": move.old_due.isoformat(),
        "new_due": move.new_due.isoformat(),
        "why": move.why,
    }


def _report_json(report: MigrationReport) -> str:
    body = {
        "dry_run": report.dry_run,
        "to_version": report.to_version,
        "authorities": report.authorities,
        "cases": len(report.cases),
        "moves": [_move_json(move) for move in report.moves],
        "kept": [
            {"case_reference": plan.case_reference, "action_id": i, "kind": k, "why": why}
            for plan in report.cases
            for i, k, why in plan.kept
        ],
    }
    return json.dumps(body, indent=2)


def _report_text(report: MigrationReport) -> str:
    verb = "would move" if report.dry_run else "moved"
    cases = len({move.case_reference for move in report.moves})
    head = (
        f"{'dry run: ' if report.dry_run else ''}policy version {report.to_version} "
        f"({', '.join(report.authorities)}): {len(report.moves)} due dates {verb} in {cases} cases"
    )
    lines = [head]
    lines += [
        f"{m.case_reference} action {m.action_id} {m.kind}: {m.old_due} -> {m.new_due} ({m.why})" for m in report.moves
    ]
    lines += [f"{plan.case_reference} action {i} {k}: kept ({why})" for plan in report.cases for i, k, why in plan.kept]
    if not report.dry_run:
        lines.append(f"{len(report.cases)} cases restamped to {report.to_version}, each in one audited transaction")
    return "\n".join(lines)


def migrate(
    to: Annotated[str, typer.Option("--to", help="The policy version to move open actions to.")],
    authority: Annotated[str | None, typer.Option("--authority", help="Only this authority's cases.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the moves; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Your staff id, an active member of the staff directory (default: the system)."),
    ] = None,
) -> None:
    """Recount the due dates of open actions under policy version TO; without --dry-run, apply and audit them."""
    if actor is not None:
        check_identifier(actor, "--actor")
    if authority is not None:
        check_identifier(authority, "--authority")
    check_present(to, "--to", "a policy version")
    app = bootstrap()
    require_schema(app.engine)
    actor_id = active_member(app.engine, actor) if actor is not None else SYSTEM_ACTOR
    report = migrate_cases(
        app.session_factory,
        app.policies,
        to,
        today=app.settings.today(),
        now=utc_now,
        authority=authority,
        dry_run=dry_run,
        actor_id=actor_id,
    )
    typer.echo(_report_json(report) if as_json else _report_text(report))
