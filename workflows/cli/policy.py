"""`caseflow policy ...`: check the policy files and show the effective timescale table of an authority."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from states.policy import Policy, PolicyNotFound
from workflows.bootstrap import load_settings
from workflows.persistence import load_all_policies

app = typer.Typer(help="Timescale policies and authority profiles.", no_args_is_help=True)


def _policies() -> dict[str, Policy]:
    return load_all_policies(load_settings().policy_dir)


def _timescales_table(policy: Policy) -> Table:
    table = Table(title="Timescales", title_justify="left")
    for column in ("timescale", "amount", "unit", "direction", "counts from", "source"):
        table.add_column(column, overflow="fold")
    for name, rule in policy.timescales.items():
        table.add_row(name, str(rule.amount), rule.unit, rule.direction, rule.counts_from, rule.source)
    return table


def _actions_table(policy: Policy) -> Table:
    table = Table(title="Actions", title_justify="left")
    for column in ("action", "owner role", "timescale", "mandatory", "on leaving its phase"):
        table.add_column(column, overflow="fold")
    for kind, rule in policy.actions.items():
        table.add_row(kind, rule.owner_role, rule.timescale, "yes" if rule.mandatory else "no", rule.on_leave)
    return table


def _roles_table(policy: Policy) -> Table:
    table = Table(title="Roles and the triggers they may fire", title_justify="left")
    for column in ("role", "sees", "may fire"):
        table.add_column(column, overflow="fold")
    for role in policy.roles:
        sees = "own teams' cases" if role in policy.team_roles else "every case"
        fires = [trigger for trigger, allowed in policy.permissions.items() if role in allowed]
        table.add_row(role, sees, ", ".join(fires) or "none")
    return table


def _settings_table(policy: Policy) -> Table:
    table = Table(title="Conventions, ages and closure days", title_justify="left")
    table.add_column("setting")
    table.add_column("value", overflow="fold")
    for name, value in policy.conventions.model_dump(mode="json").items():
        table.add_row(f"conventions.{name}", str(value))
    ages = policy.ages
    table.add_row("ages.child_only_conference", f"{ages.child_only_conference.min} to {ages.child_only_conference.max}")
    invite_from = str(ages.invite_to_conference_from) if ages.invite_to_conference_from else "any age"
    table.add_row("ages.invite_to_conference_from", invite_from)
    table.add_row("ages.advocate", ages.advocate)
    table.add_row("ages.advocate_automatic_over", str(ages.advocate_automatic_over))
    closures = policy.model_dump(mode="json")["closure_days"]
    table.add_row("closure_days", ", ".join(closures) or "none (bank holidays and weekends only)")
    table.add_row("reminders.before_due_working_days", str(policy.reminders.before_due_working_days))
    ladder = ", ".join(f"{rung.level} at {rung.working_days_overdue}" for rung in policy.escalation)
    table.add_row("escalation (working days overdue)", ladder)
    return table


@app.command()
def show(
    authority: Annotated[
        str | None, typer.Option(help="Profile to show; default: the CASEFLOW_AUTHORITY setting.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the effective policy as JSON.")] = False,
) -> None:
    """Print the effective policy of an authority: timescales, conventions, ages, closure days, actions and roles."""
    name = authority or load_settings().authority
    policies = _policies()
    if name not in policies:
        raise PolicyNotFound(f"no policy named {name!r} (known: {', '.join(policies)})")
    policy = policies[name]
    if as_json:
        typer.echo(json.dumps(policy.model_dump(mode="json"), indent=2))
        return
    console = Console()
    extends = f", extends {policy.extends}" if policy.extends else ""
    heading = f"[bold]{policy.name}[/bold] (version {policy.version}{extends}): {policy.description}"
    console.print(heading, highlight=False)
    for table in (_timescales_table(policy), _settings_table(policy), _actions_table(policy), _roles_table(policy)):
        console.print(table)


@app.command()
def check() -> None:
    """Validate every policy file; print their names, or the first problem as one line."""
    policies = _policies()
    typer.echo(f"{len(policies)} policies valid: {', '.join(policies)}")


from workflows.cli.policy_migrate import migrate  # noqa: E402 - registered last, so `policy` loads without it first

app.command(name="migrate")(migrate)
