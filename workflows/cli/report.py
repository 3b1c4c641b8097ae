"""`caseflow report timeliness`: the conference process's timeliness measures over a period."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from workflows.cli.export import read_facts
from workflows.returns import Period, ReportPeriodInvalid, measure_all, write_charts, write_table

app = typer.Typer(help="Management reports.", no_args_is_help=True)


@app.command()
def timeliness(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (YYYY-MM-DD).")],
    authority: Annotated[str | None, typer.Option("--authority", help="Only the cases of this authority.")] = None,
    out: Annotated[Path | None, typer.Option("--out", file_okay=False, help="Folder for the table and charts.")] = None,
) -> None:
    """Print each measure as a count and percentage; with --out, also a CSV table and a PNG chart per measure."""
    if end < start:
        raise ReportPeriodInvalid(f"--from {start.date()} is after --to {end.date()}: expected a period forwards")
    period = Period(start.date(), end.date())
    results = measure_all(read_facts(authority), period)
    for r in results:
        percent = "-" if r.percent is None else f"{r.percent:.1f}%"
        typer.echo(f"{r.name}: {r.met} of {r.of} ({percent})")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        table = write_table(out, results, period)
        charts = write_charts(out, results, period)
        typer.echo(f"wrote {table} and {len(charts)} charts in {out}")
