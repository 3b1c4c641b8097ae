"""`caseflow simulate SCENARIO.yaml`: replay a case in a throwaway database and print it as of a date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from workflows.bootstrap import load_policies, load_settings
from workflows.cli import parse_date
from workflows.services import ScenarioInvalid, ScenarioOutcome, load_scenario, replay


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(key) is None else str(row[key]) for key in columns))
    return table


def _print_readable(outcome: ScenarioOutcome) -> None:
    console = Console()
    if not console.is_terminal:  # a file or a pipe: full names rather than a terminal's 80 columns
        console = Console(width=160)
    track = "" if outcome.pre_proceedings == "none" else f" (pre-proceedings: {outcome.pre_proceedings})"
    console.print(f"[bold]{outcome.reference}[/bold]: {outcome.status}{track} as of {outcome.as_of}")
    beside = ("pre_proceedings",) if any("pre_proceedings" in row for row in outcome.history) else ()
    console.print(_table("History", ("on", "trigger", "from", "to", *beside, "actor"), outcome.history))
    console.print(_table("Actions", ("kind", "due_on", "status", "done_on"), outcome.actions))
    if outcome.overdue:
        console.print(_table("Overdue", ("kind", "due_on", "working_days_overdue"), outcome.overdue))
    else:
        console.print("nothing overdue")


def simulate(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML (format in the README).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date to show the case as of (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Replay a scenario's events in a throwaway database and print the case as of a date."""
    settings = load_settings()
    policies = load_policies(settings)
    scenario = load_scenario(scenario_file)
    when = parse_date(as_of, "--as-of") if as_of is not None else scenario.as_of
    if when is None:
        raise ScenarioInvalid(f"{scenario_file}: as_of: give it in the file or with --as-of")
    outcome = replay(scenario, policies, when, source=str(scenario_file))
    if as_json:
        typer.echo(json.dumps(outcome.as_json(), indent=2))
    else:
        _print_readable(outcome)
