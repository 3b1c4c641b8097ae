"""`caseflow sweep`: run the deadline sweep as of a date and print a plain summary (or JSON)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from workflows.bootstrap import bootstrap, load_settings
from workflows.cli import date_option
from workflows.delivery import is_healthy
from workflows.persistence import load_all_policies, require_schema
from workflows.stack import PrefectUnreachable
from workflows.sweep import DEFAULT_MAX_BATCHES, SweepContext, ladder_levels, run_sweep

# More batch task runs than any caseload needs; a bound keeps a huge number a usage error, not a crash.
MAX_BATCHES_LIMIT = 100_000


def _summary_text(summary: dict[str, Any], levels: list[str]) -> str:
    lines = [f"deadline sweep as of {summary['as_of']}"]
    for level in levels:
        open_now = summary["open_at_level"].get(level, 0)
        created = summary["created_by_run"].get(level, 0)
        lines.append(f"  {level:<16} {open_now:>8} open  {created:>8} new")
    lines.append(f"  overdue actions  {summary['overdue_total']:>8}")
    return "\n".join(lines)


def _local(as_of: date, max_batches: int, show_progress: bool) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import Progress

    app = bootstrap()
    require_schema(app.engine)
    context = SweepContext(app.engine, load_all_policies(app.settings.policy_dir))
    # On stderr, and gone when done: stdout stays the summary (or the JSON a script reads).
    with Progress(console=Console(stderr=True), transient=True, disable=not show_progress) as progress:
        task = progress.add_task("sweeping due dates", total=None)
        report = run_sweep(
            context,
            as_of,
            max_batches,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    _deliver_digests(as_of)
    return {
        "as_of": as_of.isoformat(),
        "open_at_level": report.open_at_level,
        "raised_as_of": report.raised_as_of,
        "created_by_run": report.created_by_run,
        "overdue_total": report.overdue_total,
    }


def _deliver_digests(as_of: date) -> None:
    """What the flow does after the sweep, once, without Prefect: record the digests, e-mail them, note failures."""
    from tasks import (
        DigestsNotSent,
        email_sweep_digests,
        record_digest_incidents,
        record_sweep_digests,
    )
    from workflows.flows import DigestsUndelivered

    record_sweep_digests.fn(as_of)
    try:
        email_sweep_digests.fn(as_of)
    except DigestsNotSent:
        opened = record_digest_incidents.fn(as_of, None)
        raise DigestsUndelivered(
            f"sweep {as_of.isoformat()}: {len(opened)} digest e-mail(s) not sent; incidents opened (caseflow incidents)"
        ) from None


def _with_prefect(as_of: date, max_batches: int) -> dict[str, Any]:
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from rich.console import Console

    from workflows.flows import run_deadline_sweep

    app = bootstrap()
    require_schema(app.engine)
    settings = app.settings
    # The configured server, or the one `caseflow up` runs; never Prefect's own temporary server.
    api_url = (settings.prefect_api_url or f"http://{settings.prefect_host}:{settings.prefect_port}/api").rstrip("/")
    if not is_healthy(api_url):
        raise PrefectUnreachable(
            f"Prefect server at {api_url} does not answer: start it with `caseflow up`, or run `caseflow sweep --local`"
        )
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        Console(stderr=True).status("deadline-sweep flow running"),
    ):
        return run_deadline_sweep(as_of, max_batches)


def sweep(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Sweep date, YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    local: Annotated[
        bool, typer.Option("--local", help="Run in this process without Prefect (no run in the UI).")
    ] = False,
    max_batches: Annotated[
        int, typer.Option("--max-batches", min=1, max=MAX_BATCHES_LIMIT, help="Upper bound on batch task runs.")
    ] = DEFAULT_MAX_BATCHES,
) -> None:
    """Remind before due dates and escalate overdue actions up each authority's ladder; safe to run twice."""
    day = date_option(as_of, "--as-of", load_settings().today())
    summary = _local(day, max_batches, show_progress=not as_json) if local else _with_prefect(day, max_batches)
    if as_json:
        typer.echo(json.dumps(summary, sort_keys=True))
        return
    typer.echo(_summary_text(summary, ladder_levels(load_all_policies(load_settings().policy_dir))))
