"""PostgreSQL settings for one sweep transaction: a commit that does not wait for the disk, and room to sort and hash."""

from __future__ import annotations

from sqlalchemy import Connection

__all__ = ["tune_transaction"]


def tune_transaction(connection: Connection) -> None:
    """On PostgreSQL, for this transaction only: a commit that does not wait for the disk, and room to sort and hash.

    Not waiting is safe here: a server crash can lose only the last few commits, and a lost batch loses its done
    marks with its rows, so the rerun sweeps those due dates again; nothing is told to anyone before the flow ends.
    The work memory holds the report's read of every staged action without spilling to a temporary file.
    """
    if connection.dialect.name == "postgresql":
        # set_config(..., true) is SET LOCAL: both in one round trip.
        connection.exec_driver_sql(
            "SELECT set_config('synchronous_commit', 'off', true), set_config('work_mem', '32MB', true)"
        )
