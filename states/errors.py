"""The one base error of caseflow and the domain's specific errors.

Every error carries a message fit to show a person as one line: what, where, what was expected.
"""

from __future__ import annotations


class CaseflowError(Exception):
    """Base of every error caseflow raises on purpose; the CLI prints it as one line and exits non-zero."""
