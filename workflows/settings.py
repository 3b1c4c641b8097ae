"""Application settings: every knob, typed and documented, read from CASEFLOW_* environment variables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationInfo, field_validator
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
    oidc_audience: str | None = Field(
        default=None,
        min_length=1,
        description="OpenID Connect: the audience (aud) bearer tokens must be issued for, e.g. the API's "
        "application ID URI or client id at the identity provider.",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        min_length=1,
        description="OpenID Connect: where the provider publishes its signing keys (JWKS); https, or http on "
        "loopback only. Set this or oidc_jwks_file.",
    )
    oidc_jwks_file: Path | None = Field(
        default=None, description="OpenID Connect: a JWKS file to use instead of oidc_jwks_url (no network)."
    )
    oidc_staff_claim: str = Field(
        default="preferred_username",
        min_length=1,
        description="OpenID Connect: the token claim holding the staff id (see docs/identity.md for which to map).",
    )
    oidc_client_id: str | None = Field(
        default=None,
        min_length=1,
        description="OpenID Connect: the console's client id, for sign-in (authorization code flow).",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OpenID Connect: the console's client secret; unset for a public client (PKCE)."
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        min_length=1,
        description="OpenID Connect: the console's sign-in callback registered at the provider, "
        "e.g. https://caseflow.example.org/sign-in/callback.",
    )
    # Declared after the other OIDC settings so that its validator sees them all and a partial set-up is refused.
    oidc_issuer: str | None = Field(
        default=None,
        min_length=1,
        validate_default=True,
        description="OpenID Connect: the provider's issuer (iss), e.g. https://login.microsoftonline.com/TENANT/v2.0; "
        "unset: no OIDC, API tokens only. Needs oidc_audience and oidc_jwks_url or oidc_jwks_file.",
    )
    session_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="Minutes of inactivity after which a console session ends and its holder signs in again.",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="File of audit keys (KEY_ID SECRET lines, the last signs); keep it outside the database and "
        "its backups. Default: audit-keys in data_dir, generated on first use.",
    )

    @field_validator("data_dir", "config_dir", "audit_key_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("oidc_jwks_url", "oidc_redirect_url")
    @classmethod
    def _secure_url(cls, value: str | None) -> str | None:
        if value is not None:
            _require_https_off_loopback(value)
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _complete_oidc(cls, value: str | None, info: ValidationInfo) -> str | None:
        given = {name for name in _OIDC_REQUIRES_ISSUER if info.data.get(name) is not None}
        if value is None:
            if given:
                raise ValueError(f"unset, but {', '.join(sorted(_env(name) for name in given))} need it")
            return None
        _require_https_off_loopback(value)
        if info.data.get("oidc_audience") is None:
            raise ValueError("needs CASEFLOW_OIDC_AUDIENCE as well")
        if (info.data.get("oidc_jwks_url") is None) == (info.data.get("oidc_jwks_file") is None):
            raise ValueError("needs exactly one of CASEFLOW_OIDC_JWKS_URL and CASEFLOW_OIDC_JWKS_FILE")
        if (info.data.get("oidc_client_id") is None) != (info.data.get("oidc_redirect_url") is None):
            raise ValueError("sign-in needs both CASEFLOW_OIDC_CLIENT_ID and CASEFLOW_OIDC_REDIRECT_URL, or neither")
        return value

    @property
    def oidc_enabled(self) -> bool:
        """Whether bearer tokens from the identity provider are accepted (OIDC configured)."""
        return self.oidc_issuer is not None

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


_OIDC_REQUIRES_ISSUER = (
    "oidc_audience",
    "oidc_jwks_url",
    "oidc_jwks_file",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_redirect_url",
)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _env(name: str) -> str:
    return f"CASEFLOW_{name.upper()}"


def _require_https_off_loopback(url: str) -> None:
    # Keys and codes fetched over plain http could be swapped by anyone on the path; loopback is for tests and demos.
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return
    raise ValueError("expected an https URL (http only on loopback)")


def utc_now() -> datetime:
    """The one clock: now, in UTC. Domain code never calls it; it takes `now` or `today` as a parameter."""
    return datetime.now(UTC)


def today_in(timezone: str) -> date:
    """Today's date where the authority is (CASEFLOW_TIMEZONE): after midnight in London, even when UTC is not."""
    return utc_now().astimezone(ZoneInfo(timezone)).date()
