"""`caseflow cases`, `case show`, `case timeline`, `trigger` and `overdue`: cases for operations and managers.

Light to import (the whole CLI imports it for `--help`): the database, the lifecycle, Rich and matplotlib are
imported inside the commands that use them.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from workflows.cli.connected import connected

if TYPE_CHECKING:
    from rich.table import Table

    from states.case import TransitionResult
    from workflows.views import CaseDetail, CaseSummary, OverdueItem

__all__ = ["Grouping", "app", "cases", "overdue", "trigger"]

app = typer.Typer(help="One case: show it in full, draw its timeline.", no_args_is_help=True)

AS_OF_HELP = "Date to count lateness as of, YYYY-MM-DD (default: today)."
JSON_HELP = "Print JSON for scripts."
# More late actions listed than any screen holds; a bound keeps a huge number a usage error, not a crash.
MAX_LIMIT = 100_000


class Grouping(StrEnum):
    """What the late-work dashboard counts by."""

    LEVEL = "level"
    TEAM = "team"
    KIND = "kind"


def _as_of(value: str | None) -> date:
    from workflows.bootstrap import load_settings
    from workflows.cli import date_option

    return date_option(value, "--as-of", load_settings().today())


def _identifier(value: str | None, where: str) -> str | None:
    """An identifier option (a team, a role, a status) as given: empty or outside the alphabet is refused."""
    from states.input_rules import check_identifier

    return None if value is None else check_identifier(value, where)


def _print_json(document: Any) -> None:
    from workflows.views import as_json

    typer.echo(json.dumps(as_json(document), indent=2))


def _console() -> Any:
    from rich.console import Console

    console = Console()
    # A file or a pipe: wide enough for full action names rather than a terminal's 80 columns.
    return console if console.is_terminal else Console(width=160)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    return table


def cases(
    status: Annotated[str | None, typer.Option("--status", help="Only cases in this status.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only cases of this team.")] = None,
    owner_role: Annotated[
        str | None, typer.Option("--owner-role", help="Only cases with open actions of this role; counts only those.")
    ] = None,
    overdue_only: Annotated[bool, typer.Option("--overdue", help="Only cases with an action late.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List cases: reference, team, status, open and late actions, next due date."""
    from workflows.views import CaseFilter, list_cases

    day = _as_of(as_of)
    status, team = _identifier(status, "--status"), _identifier(team, "--team")
    owner_role = _identifier(owner_role, "--owner-role")
    with connected() as application, application.engine.connect() as connection:
        found = list_cases(connection, application.policies, day, CaseFilter(status, team, owner_role, overdue_only))
    if as_json:
        _print_json({"as_of": day, "cases": found})
        return
    _console().print(_cases_table(found, day))


def _cases_table(found: list[CaseSummary], day: date) -> Table:
    rows = [
        (
            s.reference,
            s.team,
            s.status,
            s.open_actions,
            s.overdue_actions,
            s.most_working_days_late or "",
            s.next_due_on,
        )
        for s in found
    ]
    columns = ("reference", "team", "status", "open", "late", "most WD late", "next due")
    return _table(f"{len(found)} cases as of {day}", columns, rows)


READER_HELP = "Your staff id: the read is recorded in the case's access log under it (checked in the directory)."
READER_ROLE_HELP = "The role you read in (with --actor): a team role sees only its teams' cases."


@app.command("show")
def show(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    actor: Annotated[str | None, typer.Option("--actor", help=READER_HELP)] = None,
    role: Annotated[str | None, typer.Option("--role", help=READER_ROLE_HELP)] = None,
) -> None:
    """One case: status, recorded dates and codes, actions with lateness, history, escalations, notifications."""
    detail = _detail(reference, _as_of(as_of), (actor, role))
    if as_json:
        _print_json(detail)
        return
    _print_detail(detail)


def _detail(reference: str, day: date, reader: tuple[str | None, str | None]) -> CaseDetail:
    """The case, its read recorded in the access log (under the reader when --actor names one)."""
    from states.input_rules import check_identifier
    from workflows.views import case_detail

    check_identifier(reference, "case reference")
    with connected() as application, application.engine.begin() as connection:
        detail = case_detail(connection, application.policies, reference, day)
        from workflows.cli.case_reads import record_read

        record_read(connection, application, detail, reader)
        return detail


def _print_detail(detail: CaseDetail) -> None:
    console = _console()
    track = "" if detail.pre_proceedings == "none" else f" (pre-proceedings: {detail.pre_proceedings})"
    console.print(
        f"[bold]{detail.reference}[/bold]: {detail.status}{track} as of {detail.as_of}  "
        f"(team {detail.team or '-'}, allocated worker {detail.allocated_worker or '-'}, "
        f"policy {detail.authority}, version {detail.version})"
    )
    console.print(_table("Recorded", ("fact", "value"), list(detail.facts.items())))
    open_rows = [
        (a.kind, a.owner_role, a.due_on, a.working_days_late or "", "yes" if a.mandatory else "")
        for a in detail.open_actions
    ]
    console.print(_table("Open actions", ("kind", "owner", "due", "WD late", "mandatory"), open_rows))
    closed = [
        (a.kind, a.status, a.due_on, a.done_on, a.working_days_late or "", a.close_reason)
        for a in detail.actions
        if a.status != "open"
    ]
    console.print(_table("Closed actions", ("kind", "status", "due", "done", "WD late", "reason"), closed))
    history = [
        (h.seq, h.occurred_on, h.event, h.trigger, h.from_status, h.to_status, f"{h.actor_id} ({h.actor_role})")
        for h in detail.history
    ]
    console.print(_table("History", ("#", "on", "event", "trigger", "from", "to", "actor"), history))
    escalations = [
        (e.raised_on, e.level, e.source, e.action_kind, e.due_on, e.raised_by, e.raised_via, e.reason_code)
        for e in detail.escalations
    ]
    columns = ("raised", "level", "source", "action", "due", "by", "via", "reason")
    console.print(_table("Escalations", columns, escalations))
    notices = [
        (f"{n.created_at:%Y-%m-%d %H:%M}", n.kind, n.recipient_role, n.action_kind, n.due_on, n.email)
        for n in detail.notifications
    ]
    console.print(_table("Notifications sent", ("at", "kind", "to", "action", "due", "e-mail"), notices))


@app.command("timeline")
def timeline(
    reference: Annotated[str, typer.Argument(help="Case reference.")],
    out: Annotated[Path, typer.Option("--out", help="PNG file to write.")],
    page: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML page.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    actor: Annotated[str | None, typer.Option("--actor", help=READER_HELP)] = None,
    role: Annotated[str | None, typer.Option("--role", help=READER_ROLE_HELP)] = None,
) -> None:
    """Draw the case: phases as bars, due dates against done dates, escalations marked."""
    from workflows.views import write_timeline

    detail = _detail(reference, _as_of(as_of), (actor, role))
    write_timeline(detail, out, page)
    typer.echo(f"timeline of case {reference} written to {out}" + (f" and {page}" if page else ""))


def overdue(
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    by: Annotated[Grouping | None, typer.Option("--by", help="Count by this only (default: all three).")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, max=MAX_LIMIT, help="Most late actions listed in the table.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Late work: open actions past their due date, counted by escalation level, team and action kind."""
    from workflows.views import overdue_actions, overdue_counts

    day = _as_of(as_of)
    with connected() as application, application.engine.connect() as connection:
        items = overdue_actions(connection, application.policies, day)
    groupings = [by] if by is not None else list(Grouping)
    counts = {f"by_{g.value}": overdue_counts(items, g.value, application.policies) for g in groupings}
    if as_json:
        _print_json({"as_of": day, "total": len(items), **counts, "actions": items})
        return
    _print_overdue(day, items, counts, limit)


def _print_overdue(day: date, items: list[OverdueItem], counts: dict[str, dict[str, int]], limit: int) -> None:
    console = _console()
    console.print(f"[bold]{len(items)} actions late[/bold] as of {day} (at least one working day past due)")
    for name, grouped in counts.items():
        heading = name.removeprefix("by_")
        console.print(_table(f"By {heading}", (heading, "late actions"), list(grouped.items())))
    shown = [(i.reference, i.team, i.kind, i.owner_role, i.due_on, i.working_days_late, i.level) for i in items[:limit]]
    title = f"Most late ({len(shown)} of {len(items)})"
    console.print(_table(title, ("case", "team", "action", "owner", "due", "WD late", "level"), shown))


def trigger(
    reference: Annotated[str, typer.Argument(help="Case reference (a new one for receive_referral).")],
    trigger_name: Annotated[str, typer.Argument(metavar="TRIGGER", help="Trigger name, e.g. start_s47.")],
    actor: Annotated[
        str, typer.Option("--actor", help="Your staff id: an active member of the staff directory holding --role.")
    ],
    role: Annotated[str, typer.Option("--role", help="The role you act in, one you hold, e.g. social_worker.")],
    fields: Annotated[list[str] | None, typer.Argument(metavar="[FIELD=VALUE]...", help="The trigger's data.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="When it happened, YYYY-MM-DD (default: today).")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Today's date (default: the real date).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Fire a trigger on a case, through the same checks and transaction as every other caller.

    Every refusal on an existing case (an unknown trigger, a status that does not allow it, bad `field=value` data)
    is the service's, so it is recorded as a `trigger_refused` event like a refusal from any other caller.
    """
    from states.field_text import FieldText
    from workflows.bootstrap import load_settings
    from workflows.cli import date_option
    from workflows.cli.acting import staff_caller
    from workflows.services import CaseService

    day = date_option(today, "--today", load_settings().today())
    with connected() as application:
        caller = staff_caller(application.engine, actor, role)
        service = CaseService(
            application.session_factory, application.policies, default_authority=application.settings.authority
        )
        # `--on` is the trigger's own date: read with its data, so a bad one is a refusal on record like any other.
        data = FieldText(tuple(fields or ()), on)
        result = service.fire(reference, trigger_name, data, caller.actor, day)
    if as_json:
        _print_json(_fired(result))
        return
    typer.echo(_fired_text(result))


def _fired(result: TransitionResult) -> dict[str, Any]:
    return {
        "reference": result.case.reference,
        "trigger": result.trigger,
        "from": result.from_status.value,
        "to": result.to_status.value,
        "occurred_on": result.occurred_on,
        "version": result.case.version,
        "opened": [{"kind": a.kind, "owner_role": a.owner_role, "due_on": a.due_on} for a in result.opened],
        "closed": [{"kind": a.kind, "status": a.status, "reason": a.close_reason} for a in result.closed],
        "moved": [{"kind": a.kind, "from": old, "to": a.due_on} for a, old in result.moved],
    }


def _fired_text(result: TransitionResult) -> str:
    lines = [
        f"case {result.case.reference}: {result.trigger} on {result.occurred_on}: "
        f"{result.from_status.value} -> {result.to_status.value} (version {result.case.version})"
    ]
    lines += [f"  opened  {a.kind:<32} {a.owner_role:<16} due {a.due_on}" for a in result.opened]
    lines += [f"  closed  {a.kind:<32} {a.status} ({a.close_reason})" for a in result.closed]
    lines += [f"  moved   {a.kind:<32} due {old} -> {a.due_on}" for a, old in result.moved]
    return "\n".join(lines)
