"""`caseflow bpmn ...`: the lifecycle as BPMN 2.0 and as the README's state diagram, both from the transition table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflows.diagrams import export_bpmn, mermaid, write_readme

app = typer.Typer(help="Export the lifecycle as BPMN 2.0 or as a Mermaid state diagram.", no_args_is_help=True)


@app.command()
def export(out: Annotated[Path, typer.Option("--out", help="BPMN file to write (folders are created).")]) -> None:
    """Write the lifecycle as executable BPMN 2.0 with a laid-out diagram (opens in bpmn.io, Camunda Modeler)."""
    typer.echo(f"wrote {export_bpmn(out)}")


@app.command()
def diagram(
    write_readme_: Annotated[
        bool, typer.Option("--write-readme", help="Refresh the diagram block in the README.")
    ] = False,
    readme: Annotated[Path, typer.Option(help="README holding the state-diagram markers.")] = Path("README.md"),
) -> None:
    """Print the lifecycle as a Mermaid state diagram, or write it into the README between its markers."""
    if not write_readme_:
        typer.echo(mermaid(), nl=False)
        return
    changed = write_readme(readme)
    typer.echo(f"{readme}: state diagram {'updated' if changed else 'already current'}")
