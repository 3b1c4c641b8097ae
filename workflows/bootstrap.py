"""The composition root: settings in, wired application out. Nothing else reads the environment.

`App` is what a command or the scheduler builds once; `Runtime` is what a Prefect task finds in its process
(tasks take ids, so the engine, policies and channels come from here): installed by the scheduler and by tests,
or built once from this process's CASEFLOW_* settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from states.policy import Policy, PolicyNotFound
from workflows.delivery import Channel, InboxChannel, SmtpChannel
from workflows.errors import SettingsInvalid
from workflows.logs import configure_logging
from workflows.persistence import audit_keys, load_all_policies, make_engine, make_session_factory
from workflows.settings import Settings, utc_now

__all__ = [
    "DEFAULT_EMAIL_RETRY_DELAYS",
    "App",
    "Runtime",
    "bootstrap",
    "current_runtime",
    "install_audit_keys",
    "install_runtime",
    "load_policies",
    "load_settings",
    "uninstall_runtime",
]


@dataclass(frozen=True)
class App:
    """Everything a command, flow or scheduler needs, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    policies: Mapping[str, Policy]

    @property
    def policy(self) -> Policy:
        """The policy in force for new cases (the `authority` setting)."""
        return self.policies[self.settings.authority]


def load_settings(**overrides: object) -> Settings:
    """Read CASEFLOW_* settings; a bad value becomes one clear SettingsInvalid line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "CASEFLOW_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingsInvalid(f"setting {key}: {first['msg']} (got {first.get('input')!r})") from None


def load_policies(settings: Settings) -> dict[str, Policy]:
    """Every policy file, validated before anything else runs; the configured authority must be among them."""
    policies = load_all_policies(settings.policy_dir)
    if settings.authority not in policies:
        known = ", ".join(sorted(policies))
        raise PolicyNotFound(f"setting CASEFLOW_AUTHORITY: no policy named {settings.authority!r} (known: {known})")
    return policies


def install_audit_keys(settings: Settings) -> None:
    """Install the audit keyring from the key file, generating the embedded default on first use."""
    path = settings.effective_audit_key_file
    if path.exists():
        keyring = audit_keys.load_key_file(path)
    elif settings.audit_key_file is None:
        keyring = audit_keys.generate_key_file(path)
    else:
        raise SettingsInvalid(f"setting CASEFLOW_AUDIT_KEY_FILE: no file {path.name} there (expected the audit keys)")
    audit_keys.install_keyring(keyring)


def bootstrap(settings: Settings | None = None, *, configure_logs: bool = True) -> App:
    """Settings, policies, logging, the audit key and the database engine, wired once; a bad one stops here."""
    settings = settings or load_settings()
    policies = load_policies(settings)
    if configure_logs:
        configure_logging(settings.log_level, settings.log_format)
    install_audit_keys(settings)
    engine = make_engine(settings.effective_database_url)
    return App(settings=settings, engine=engine, session_factory=make_session_factory(engine), policies=policies)


# Short on purpose: the dispatcher waits for the flow, so a down SMTP server must not hold the outbox for minutes.
# After these the notice becomes an incident, retried by hand (`caseflow incidents retry`).
DEFAULT_EMAIL_RETRY_DELAYS: tuple[float, ...] = (2.0, 8.0)


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


def install_runtime(runtime: Runtime) -> None:
    """Make `runtime` the one this process's tasks use (the scheduler at start, tests per test)."""
    _installed[:] = [runtime]


def uninstall_runtime() -> None:
    """Forget the installed runtime; the next use builds one from settings."""
    _installed.clear()


def current_runtime() -> Runtime:
    """The installed runtime, or one built once from this process's CASEFLOW_* settings."""
    if _installed:
        return _installed[0]
    settings = load_settings()
    install_audit_keys(settings)
    return _from_settings(
        settings.effective_database_url,
        str(settings.policy_dir),
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
    )


@lru_cache(maxsize=4)
def _from_settings(url: str, policy_dir: str, smtp_host: str | None, smtp_port: int, sender: str) -> Runtime:
    email = SmtpChannel(smtp_host, smtp_port, sender) if smtp_host else None
    return Runtime(make_engine(url), load_all_policies(Path(policy_dir)), email)
