"""The staff directory and API tokens: who may act (id, e-mail, roles, teams, active) and how a system proves it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import Base

__all__ = ["ApiTokenRow", "StaffRoleRow", "StaffRow", "StaffTeamRow"]


class StaffRow(Base):
    """A member of staff (a person or a system) the service knows by id; never a name."""

    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None only for staff recorded before the directory held e-mails (migration 0011), until updated.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set once, when deactivated; a deactivated member acts on nothing and holds no live token.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffRoleRow(Base):
    """One role a member of staff holds: a role name of the policies."""

    __tablename__ = "staff_roles"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class StaffTeamRow(Base):
    """One team a member of staff belongs to; a member with none is service-wide."""

    __tablename__ = "staff_teams"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)


class ApiTokenRow(Base):
    """An API token: its public id, whose it is, and a SHA-256 of its secret (the secret itself is never stored)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))  # hex digest
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
