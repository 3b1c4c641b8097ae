"""A free TCP port on loopback, for the servers tests start (SMTP, Prefect, the stack) and for ones never started."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now: the kernel's pick for an ephemeral bind, released at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
