"""What goes wrong getting work to people: an e-mail not sent, an incident that cannot be found or retried."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["EmailNotSent", "IncidentNotFound", "IncidentNotRetryable"]


class IncidentNotFound(CaseflowError):
    """No open incident has that id."""


class IncidentNotRetryable(CaseflowError):
    """The incident cannot be retried from here (e.g. no SMTP server is configured)."""


class EmailNotSent(CaseflowError):
    """The SMTP server refused a notice or could not be reached."""
