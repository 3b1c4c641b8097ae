"""`caseflow report timeliness`: the conference process's timeliness measures over a period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflows.cli import parse_date
from workflows.cli.export import read_facts
from workflows.returns import Period, ReportPeriodInvalid, measure_all, write_charts, write_table

app = typer.Typer(help="Management reports.", no_args_is_help=True)


@app.command()
def timeliness(
    start_text: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end_text: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    authority: Annotated[str | None, typer.Option("--authority", help="Only the cases of this authority.")] = None,
    out: Annotated[Path | None, typer.Option("--out", file_okay=False, help="Folder for the table and charts.")] = None,
) -> None:
    """Print each measure as a count and percentage; with --out, also a CSV table and a PNG chart per measure."""
    start, end = parse_date(start_text, "--from"), parse_date(end_text, "--to")
    if end < start:
        raise ReportPeriodInvalid(f"--from {start} is after --to {end}: expected a period forwards")
    period = Period(start, end)
    results = measure_all(read_facts(authority), period)
    for r in results:
        percent = "-" if r.percent is None else f"{r.percent:.1f}%"
        typer.echo(f"{r.name}: {r.met} of {r.of} ({percent})")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        table = write_table(out, results, period)
        charts = write_charts(out, results, period)
        typer.echo(f"wrote {table} and {len(charts)} charts in {out}")
