"""Application settings: every knob, typed and documented, read from CASEFLOW_* environment variables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["REPOSITORY_CONFIG_DIR", "Settings", "today_in", "utc_now"]

REPOSITORY_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


class Settings(BaseSettings):
    """Settings for one caseflow process; see config/example.env for the documented list."""

    model_config = SettingsConfigDict(env_prefix="CASEFLOW_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path(".caseflow"),
        description="Where the embedded stack keeps its SQLite databases and Prefect home; created on first run.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the application database; default: a SQLite file in data_dir (WAL mode). "
        "PostgreSQL: postgresql+psycopg://user:password@host/dbname",
    )
    config_dir: Path = Field(
        default=REPOSITORY_CONFIG_DIR,
        description="Folder holding policies/ (timescale policies, authority profiles) and closure days.",
    )
    authority: str = Field(
        default="default",
        description="Policy profile in force for new cases: 'default' (England) or an authority profile name.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="Lowest level logged.")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: readable on a terminal, JSON lines otherwise."
    )
    prefect_api_url: str | None = Field(
        default=None,
        description="Prefect API of an existing server, e.g. http://127.0.0.1:4200/api. "
        "Unset: the embedded stack starts its own local server on prefect_port.",
    )
    prefect_host: str = Field(default="127.0.0.1", description="Address the embedded Prefect server listens on.")
    prefect_port: int = Field(default=4200, ge=1, le=65535, description="Port of the embedded Prefect server.")
    timezone: str = Field(default="Europe/London", description="Time zone of the scheduler's clock.")
    sweep_time: time = Field(
        default=time(2, 30),
        description="Local time of the nightly deadline sweep; 02:30 or later avoids the clock-change hour.",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail notifications; unset: inbox only.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_sender: str = Field(default="caseflow@localhost", description="From address of notification e-mails.")
    audit_key_file: Path | None = Field(
        default=None,
        description="File of audit keys (KEY_ID SECRET lines, the last signs); keep it outside the database and "
        "its backups. Default: audit-keys in data_dir, generated on first use.",
    )

    @field_validator("data_dir", "config_dir", "audit_key_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'caseflow.db').resolve()}"

    @property
    def effective_audit_key_file(self) -> Path:
        """The configured audit key file, or the embedded default in data_dir."""
        return self.audit_key_file or self.data_dir / "audit-keys"

    @property
    def policy_dir(self) -> Path:
        return self.config_dir / "policies"

    def today(self) -> date:
        """Today's date in the authority's timezone: the default for every --today and --as-of."""
        return today_in(self.timezone)


def utc_now() -> datetime:
    """The one clock: now, in UTC. Domain code never calls it; it takes `now` or `today` as a parameter."""
    return datetime.now(UTC)


def today_in(timezone: str) -> date:
    """Today's date where the authority is (CASEFLOW_TIMEZONE): after midnight in London, even when UTC is not."""
    return utc_now().astimezone(ZoneInfo(timezone)).date()
