"""The console's errors: each becomes a page with its HTTP status, never a traceback."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["ConsoleError", "FormRefused", "NotPermitted", "PageNotFound", "SignInNeeded"]


class ConsoleError(CaseflowError):
    """Base of the console's errors; `status` is the HTTP status of the page shown for it."""

    status = 400


class SignInNeeded(ConsoleError):
    """No live session: the request is sent to the sign-in page, and back to `next_path` after."""

    status = 303

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to continue")
        self.next_path = next_path


class FormRefused(ConsoleError):
    """A form that cannot be taken: without its CSRF token, too large, or not a form at all."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class NotPermitted(ConsoleError):
    """The signed-in person's role may not do this (the refusal is audited where it concerns a case)."""

    status = 403


class PageNotFound(ConsoleError):
    """No such page, or a case outside the caller's teams (whose existence must not leak)."""

    status = 404
