"""The composition root: settings in, wired application out. Nothing else reads the environment."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from workflows.database import make_engine, make_session_factory
from workflows.errors import SettingsInvalid
from workflows.logs import configure_logging
from workflows.settings import Settings


@dataclass(frozen=True)
class App:
    """Everything a command, flow or scheduler needs, built once per process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]


def load_settings(**overrides: object) -> Settings:
    """Read CASEFLOW_* settings; a bad value becomes one clear SettingsInvalid line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "CASEFLOW_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingsInvalid(f"setting {key}: {first['msg']} (got {first.get('input')!r})") from None


def bootstrap(settings: Settings | None = None, *, configure_logs: bool = True) -> App:
    settings = settings or load_settings()
    if configure_logs:
        configure_logging(settings.log_level, settings.log_format)
    engine = make_engine(settings.effective_database_url)
    return App(settings=settings, engine=engine, session_factory=make_session_factory(engine))
