"""The application for a command that reads or changes cases: bootstrapped, its schema checked, its engine closed.

Bootstrap and the persistence layer are imported when a command runs, not when the command line is read, so
`caseflow --help` and the commands that need no database stay quick to start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflows.bootstrap import App

__all__ = ["connected"]


@contextmanager
def connected() -> Iterator[App]:
    """The application, once the database is known to exist with the code's schema; its engine closed after."""
    from workflows.bootstrap import bootstrap
    from workflows.persistence import require_schema

    application = bootstrap()
    try:
        require_schema(application.engine)
        yield application
    finally:
        application.engine.dispose()
