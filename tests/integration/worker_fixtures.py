"""Builders for the outbox worker tests: a ten-trigger path, a run recorder that checks order per case, waiting for a
condition, a Prefect API that can be switched off, and worker processes."""

from __future__ import annotations

import contextvars
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from tests.case_paths import TEN_TRIGGERS
from tests.e2e.cli import CASEFLOW
from tests.integration.transition_fixtures import POLICIES
from workflows.delivery import InboxChannel, OutboxEntry, OutboxWorker, WorkerConfig
from workflows.persistence import OutboxRow, make_engine
from workflows.services import CaseService, follow_up_transition
from workflows.settings import utc_now


def fire_round_robin(service: CaseService, references: list[str], triggers: int = len(TEN_TRIGGERS)) -> int:
    """Fire the path's first `triggers` triggers on every case, each trigger on every case before the next one."""
    fired = 0
    for name, data, today, actor in TEN_TRIGGERS[:triggers]:
        for reference in references:
            authority = "default" if name == "receive_referral" else None
            service.fire(reference, name, data, actor, today, authority=authority)
            fired += 1
    return fired


def wait_until(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.05) -> None:
    """Poll `condition` until it holds; fail saying `what` was awaited once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(every)  # polling a condition with a deadline, not waiting a fixed time


def undelivered(engine: Engine) -> int:
    outbox = OutboxRow.__table__
    with engine.connect() as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
        return int(connection.execute(query).scalar_one())


@dataclass
class RunRecorder:
    """A delivery that does the flow's real work without Prefect, recording each run to check order per case."""

    engine: Engine
    started: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)  # cases two runs held at once
    by_case: dict[str, list[int]] = field(default_factory=dict)
    _running: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, entry: OutboxEntry) -> None:
        with self._lock:
            if entry.case_reference in self._running:
                self.overlaps.append(entry.case_reference)
            self._running.add(entry.case_reference)
            self.started.append(entry.id)
            self.by_case.setdefault(entry.case_reference, []).append(entry.id)
        try:
            with self.engine.begin() as connection:
                follow_up_transition(connection, entry.id, POLICIES.__getitem__, InboxChannel(self.engine), utc_now())
        finally:
            with self._lock:
                self._running.discard(entry.case_reference)
                self.finished.append(entry.id)

    def out_of_order(self) -> list[str]:
        """Cases whose rows started in another order than their ids (their commit order)."""
        return [reference for reference, ids in self.by_case.items() if ids != sorted(ids)]


@contextmanager
def running_workers(
    database_url: str,
    deliver: Callable[[OutboxEntry], Any],
    count: int,
    *,
    is_ready: Callable[[], bool] = lambda: True,
    thread_context: Callable[[], AbstractContextManager[Any]] = nullcontext,
    **config: Any,
) -> Iterator[list[OutboxWorker]]:
    """`count` workers, each with its own engine and name, running on threads of this process until the block ends."""
    settings = WorkerConfig(**{"concurrency": 4, "poll": timedelta(seconds=0.05), **config})
    engines = [make_engine(database_url, pool_size=settings.concurrency + 4) for _ in range(count)]
    workers = [
        OutboxWorker(e, deliver, f"test-worker-{n}", settings, is_ready=is_ready, thread_context=thread_context)
        for n, e in enumerate(engines)
    ]
    # In a copy of this thread's context: a test's temporary Prefect settings hold in the workers too.
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(w.run,), name=w.name) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for worker in workers:
            assert worker.started.wait(30), f"{worker.name} did not start"
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=60)
        for engine in engines:
            engine.dispose()


class SwitchablePrefect:
    """A TCP forwarder in front of a Prefect API: `down()` refuses connections (and cuts open ones), `up()` again."""

    def __init__(self, api_url: str) -> None:
        host_port = api_url.split("//", 1)[1].split("/", 1)[0]
        host, port = host_port.rsplit(":", 1)
        self._target = (host, int(port))
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            open_sockets, self._open = self._open, []
        if listener is not None:
            listener.close()
        for sock in open_sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        # Either side gone ends both directions: shut down (wakes the other pipe's recv), then close.
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def start_worker_process(env: dict[str, str], cwd: Path, *options: str) -> subprocess.Popen[str]:
    """A `caseflow worker` subprocess, its output piped (read it with `read_until`)."""
    return subprocess.Popen(
        [CASEFLOW, "worker", *options],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
