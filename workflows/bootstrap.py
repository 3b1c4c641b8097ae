"""The composition root: settings in, wired application out. Nothing else reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from states.policy import Policy, PolicyNotFound
from workflows.database import make_engine, make_session_factory
from workflows.errors import SettingsInvalid
from workflows.logs import configure_logging
from workflows.policies import load_all_policies
from workflows.settings import Settings


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


def bootstrap(settings: Settings | None = None, *, configure_logs: bool = True) -> App:
    """Settings, policies, logging and the database engine, wired once; a bad setting or policy stops here."""
    settings = settings or load_settings()
    policies = load_policies(settings)
    if configure_logs:
        configure_logging(settings.log_level, settings.log_format)
    engine = make_engine(settings.effective_database_url)
    return App(settings=settings, engine=engine, session_factory=make_session_factory(engine), policies=policies)
