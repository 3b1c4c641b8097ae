"""The access log's entry from the command line: `case show` and `case timeline` record who read the case.

`--actor` is optional: whoever runs the command line already holds the database, so a typed staff id proves nothing
more, and scripts that read cases keep working. A read without it is still recorded, as unnamed. When it is given,
it must name a directory member acting in a role they hold, who may see the case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from workflows.cli.errors import OptionsInvalid

if TYPE_CHECKING:
    from workflows.bootstrap import App
    from workflows.views import CaseDetail

__all__ = ["record_read"]


def record_read(
    connection: Connection, application: App, detail: CaseDetail, reader: tuple[str | None, str | None]
) -> None:
    """Record the read of `detail` by `reader` (--actor, --role), checked against the directory when named."""
    from workflows.services import caller_from_directory, record_access, require_visible
    from workflows.settings import utc_now

    actor, role = reader
    if (actor is None) != (role is None):
        raise OptionsInvalid("--actor and --role: give both (your staff id and the role you read in) or neither")
    if actor is not None and role is not None:
        caller = caller_from_directory(connection, actor, role, "cli")
        require_visible(caller, application.policies[detail.authority], detail.reference, detail.team)
    record_access(connection, actor, detail.reference, "cli", utc_now())
