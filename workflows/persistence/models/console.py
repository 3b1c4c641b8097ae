"""The console's sign-in: local passwords (argon2 hashes) and the sessions of people signed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import Base

__all__ = ["ConsoleSessionRow", "StaffPasswordRow"]


class StaffPasswordRow(Base):
    """A member of staff's local console password, as an argon2 hash (the password itself is never stored)."""

    __tablename__ = "staff_passwords"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    argon2_hash: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleSessionRow(Base):
    """One signed-in console session: a SHA-256 of its cookie's secret, who, in which role, and when last used."""

    __tablename__ = "console_sessions"

    secret_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex digest
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    # The token every form of this session carries back (CSRF); random, not derived from the cookie.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A session unused for longer than CASEFLOW_SESSION_MINUTES is over.
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
