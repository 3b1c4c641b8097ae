"""The audit key: the secret every audit hash is keyed with, kept in a file outside the database.

Someone with only the database can then neither re-hash an edited event nor forge one. Keys rotate by id: the key
file holds one `KEY_ID SECRET` line per key (SECRET in hex, 32 bytes or more), the last line signs new events and
every line still verifies the events and seals it signed. The composition root installs the keyring; a process
without one (a test building its own engine) signs with a key of its own, made up once and never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from workflows.persistence.errors import AuditKeyInvalid

__all__ = [
    "KEY_ID_PATTERN",
    "Keyring",
    "current_keyring",
    "generate_key_file",
    "install_keyring",
    "load_key_file",
    "uninstall_keyring",
]

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_MIN_SECRET_BYTES = 32
_log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Keyring:
    """Audit keys by id; `current` signs, every one verifies."""

    keys: dict[str, bytes]
    current: str
    # Each key's HMAC with the key already absorbed: copying it saves two of the four hash blocks a short audit
    # event costs (lifecycle benchmark: HMAC from scratch cost 4% of a trigger's CPU).
    _keyed: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keyed = {key_id: hmac.new(secret, digestmod=hashlib.sha256) for key_id, secret in self.keys.items()}
        object.__setattr__(self, "_keyed", keyed)

    def sign(self, message: bytes, key_id: str | None = None) -> str:
        """HMAC-SHA256 of `message` under `key_id` (default: the current key), as hex."""
        mac = self._keyed[key_id or self.current].copy()
        mac.update(message)
        return str(mac.hexdigest())

    def holds(self, key_id: str) -> bool:
        return key_id in self.keys


def _parse_line(path: Path, number: int, line: str) -> tuple[str, bytes]:
    parts = line.split()
    where = f"audit key file {path.name}, line {number}"
    if len(parts) != 2 or not KEY_ID_PATTERN.match(parts[0]):
        raise AuditKeyInvalid(f"{where}: expected 'KEY_ID SECRET' (key id of letters, digits, - and _)")
    try:
        secret = bytes.fromhex(parts[1])
    except ValueError:
        raise AuditKeyInvalid(f"{where}: the secret is not hex") from None
    if len(secret) < _MIN_SECRET_BYTES:
        raise AuditKeyInvalid(f"{where}: the secret must be {_MIN_SECRET_BYTES} bytes (64 hex digits) or more")
    return parts[0], secret


def load_key_file(path: Path) -> Keyring:
    """The keyring in `path`: one `KEY_ID SECRET` line per key, blank lines and # comments ignored, last one current."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise AuditKeyInvalid(f"audit key file {path.name}: cannot be read ({type(error).__name__})") from None
    keys: dict[str, bytes] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            current, keys[current] = (parsed := _parse_line(path, number, line))[0], parsed[1]
    if current is None:
        raise AuditKeyInvalid(f"audit key file {path.name}: holds no key")
    return Keyring(keys, current)


def generate_key_file(path: Path) -> Keyring:
    """Write a new key file (owner-only) holding one random key, and say so in the log."""
    key_id = f"k{secrets.token_hex(4)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(
            "# caseflow audit keys: KEY_ID SECRET (hex); the last line signs. Keep a copy away from the database.\n"
        )
        out.write(f"{key_id} {secrets.token_hex(32)}\n")
    _log.warning("audit_key_generated", key_file=str(path), key_id=key_id)
    return load_key_file(path)


_installed: list[Keyring] = []


def install_keyring(keyring: Keyring) -> None:
    """Make `keyring` the one this process signs and verifies the audit trail with."""
    _installed[:] = [keyring]


def uninstall_keyring() -> None:
    """Forget the installed keyring (tests)."""
    _installed.clear()


def current_keyring() -> Keyring:
    """The installed keyring; without one, a key made up for this process alone (its chains verify only here)."""
    if not _installed:
        _installed.append(Keyring({"process": secrets.token_bytes(32)}, "process"))
        _log.warning("audit_key_ephemeral", key_id="process")
    return _installed[0]
