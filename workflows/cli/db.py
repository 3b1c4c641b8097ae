"""`caseflow db ...`: the schema, owned by Alembic migrations."""

from __future__ import annotations

import typer

from workflows.bootstrap import bootstrap
from workflows.persistence import schema

app = typer.Typer(help="Create and migrate the application database.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    engine = bootstrap().engine
    schema.upgrade(engine, revision)
    typer.echo(f"database at revision {schema.current_revision(engine)}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base' for an empty database.")) -> None:
    """Undo migrations down to REVISION."""
    engine = bootstrap().engine
    schema.downgrade(engine, revision)
    typer.echo(f"database at revision {schema.current_revision(engine) or 'base'}")


@app.command()
def current() -> None:
    """Print the database's revision and whether it is the newest."""
    engine = bootstrap().engine
    revision = schema.current_revision(engine)
    state = "up to date" if schema.is_current(engine) else f"behind {schema.head_revision()}"
    typer.echo(f"{revision or 'base'} ({state})")
