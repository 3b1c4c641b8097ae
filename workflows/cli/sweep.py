"""`caseflow sweep`: run the deadline sweep as of a date and print a plain summary (or JSON)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from workflows.bootstrap import bootstrap, load_settings
from workflows.policies import load_all_policies
from workflows.sweep import DEFAULT_MAX_BATCHES, SweepContext, ladder_levels, run_sweep


def _summary_text(summary: dict[str, Any], levels: list[str]) -> str:
    lines = [f"deadline sweep as of {summary['as_of']}"]
    for level in levels:
        open_now = summary["open_at_level"].get(level, 0)
        created = summary["created_by_run"].get(level, 0)
        lines.append(f"  {level:<16} {open_now:>8} open  {created:>8} new")
    lines.append(f"  overdue actions  {summary['overdue_total']:>8}")
    return "\n".join(lines)


def _local(as_of: date, max_batches: int) -> dict[str, Any]:
    app = bootstrap()
    report = run_sweep(SweepContext(app.engine, load_all_policies(app.settings.policy_dir)), as_of, max_batches)
    return {
        "as_of": as_of.isoformat(), "open_at_level": report.open_at_level, "raised_as_of": report.raised_as_of,
        "created_by_run": report.created_by_run, "overdue_total": report.overdue_total,
    }  # fmt: skip


def _with_prefect(as_of: date, max_batches: int) -> dict[str, Any]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from workflows.deadline_sweep import run_deadline_sweep

    bootstrap()
    api_url = load_settings().prefect_api_url
    updates = {PREFECT_API_URL: api_url} if api_url else {}
    with temporary_settings(updates=updates):
        return run_deadline_sweep(as_of, max_batches)


def sweep(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Sweep date, YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    local: Annotated[bool, typer.Option("--local", help="Run in this process without Prefect (no run in the UI).")] = False,
    max_batches: Annotated[int, typer.Option("--max-batches", min=1, help="Upper bound on batch task runs.")] = DEFAULT_MAX_BATCHES,
) -> None:
    """Remind before due dates and escalate overdue actions up each authority's ladder; safe to run twice."""
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise typer.BadParameter(f"--as-of {as_of!r}: expected a date like 2027-03-10") from None
    summary = _local(day, max_batches) if local else _with_prefect(day, max_batches)
    if as_json:
        typer.echo(json.dumps(summary, sort_keys=True))
        return
    typer.echo(_summary_text(summary, ladder_levels(load_all_policies(load_settings().policy_dir))))
