"""Waking workers when an outbox row commits: LISTEN/NOTIFY on PostgreSQL; on SQLite workers poll instead.

Migration 0012's trigger notifies NOTIFY_CHANNEL for every statement inserting outbox rows, delivered when its
transaction commits. A listener sets the worker's wake-up event for each notification; while its connection is down
the worker's poll still finds the rows, only later.
"""

from __future__ import annotations

import threading

import psycopg
from sqlalchemy import Connection, Engine, text

from workflows.logs import get_logger

__all__ = ["NOTIFY_CHANNEL", "OutboxListener", "listener_for", "notify_workers"]

NOTIFY_CHANNEL = "caseflow_outbox"  # a persisted contract: migration 0012's trigger notifies it
log = get_logger("caseflow.outbox")


def notify_workers(connection: Connection) -> None:
    """Wake every listening worker when the caller's transaction commits (nothing on SQLite, where they poll)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


class OutboxListener:
    """A thread LISTENing on NOTIFY_CHANNEL on a connection of its own; sets `wake` on every notification."""

    def __init__(self, engine: Engine, wake: threading.Event, reconnect_seconds: float = 2.0) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._wake, self._reconnect = wake, reconnect_seconds
        self._stopping = threading.Event()
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="outbox-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening.set()
                    self._wake.set()  # rows committed while nobody listened are claimable now
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=0.5):
                            self._wake.set()
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("outbox_listener_reconnecting", error=type(exc).__name__)
                self._stopping.wait(self._reconnect)


def listener_for(engine: Engine, wake: threading.Event) -> OutboxListener | None:
    """A listener on PostgreSQL; None on SQLite, where a worker polls."""
    return OutboxListener(engine, wake) if engine.dialect.name == "postgresql" else None
