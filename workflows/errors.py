"""Errors of the application shell; domain errors live in states.errors."""

from __future__ import annotations

from states.errors import CaseflowError


class SettingsInvalid(CaseflowError):
    """The environment holds a setting that does not validate."""


class DatabaseMissing(CaseflowError):
    """The application database does not exist or has no schema yet."""
