"""The audit key every test signs with: one key file per test, installed in this process and handed to commands.

A command run in process or as a subprocess reads the key from CASEFLOW_AUDIT_KEY_FILE
(tests.e2e.cli.clean_environment adds it), so chains written by a test's own code verify there, and the reverse.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from workflows.persistence import audit_keys

__all__ = ["current_key_file", "use_test_key"]

_current: list[Path] = []


def use_test_key(folder: Path) -> Path:
    """Write a fresh key file into `folder`, install its keyring, and make it the one commands are given."""
    path = folder / "audit-keys"
    path.write_text(f"test {secrets.token_hex(32)}\n", encoding="ascii")
    audit_keys.install_keyring(audit_keys.load_key_file(path))
    _current[:] = [path]
    return path


def current_key_file() -> Path | None:
    """The key file of the running test, if one was made."""
    return _current[0] if _current else None
