"""What the case-transition flow's tasks work with in this process: tasks take ids, so they find the rest here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from states.policy import Policy, PolicyNotFound
from workflows.notifier import Channel, InboxChannel, SmtpChannel

__all__ = ["DEFAULT_EMAIL_RETRY_DELAYS", "Runtime", "current", "install", "uninstall", "utc_now"]

# Short on purpose: the dispatcher waits for the flow, so a down SMTP server must not hold the outbox for minutes.
# After these the notice becomes an incident, retried by hand (`caseflow incidents retry`).
DEFAULT_EMAIL_RETRY_DELAYS: tuple[float, ...] = (2.0, 8.0)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    """The application database, the policies, the channels and the e-mail retry delays (seconds)."""

    engine: Engine
    policies: Mapping[str, Policy]
    email: Channel | None = None
    email_retry_delays: tuple[float, ...] = DEFAULT_EMAIL_RETRY_DELAYS
    clock: Callable[[], datetime] = utc_now

    @property
    def inbox(self) -> InboxChannel:
        return InboxChannel(self.engine, self.clock)

    def policy(self, authority: str) -> Policy:
        try:
            return self.policies[authority]
        except KeyError:
            raise PolicyNotFound(f"authority {authority!r}: no policy loaded for it") from None


_installed: list[Runtime] = []


def install(runtime: Runtime) -> None:
    """Make `runtime` the one this process's tasks use (the scheduler at start, tests per test)."""
    _installed[:] = [runtime]


def uninstall() -> None:
    """Forget the installed runtime; the next use builds one from settings."""
    _installed.clear()


def current() -> Runtime:
    """The installed runtime, or one built once from this process's CASEFLOW_* settings."""
    if _installed:
        return _installed[0]
    from workflows.bootstrap import load_settings

    settings = load_settings()
    return _from_settings(
        settings.effective_database_url, str(settings.policy_dir), settings.smtp_host, settings.smtp_port,
        settings.smtp_sender,
    )  # fmt: skip


@lru_cache(maxsize=4)
def _from_settings(url: str, policy_dir: str, smtp_host: str | None, smtp_port: int, sender: str) -> Runtime:
    from workflows.database import make_engine
    from workflows.policies import load_all_policies

    email = SmtpChannel(smtp_host, smtp_port, sender) if smtp_host else None
    return Runtime(make_engine(url), load_all_policies(Path(policy_dir)), email)
