"""What the HTTP API remembers of a POST sent with an `Idempotency-Key`: its body's hash and the first answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import Base

__all__ = ["IdempotentRequestRow"]


class IdempotentRequestRow(Base):
    """One member of staff's request under one idempotency key: claimed before it runs, its answer kept after.

    The primary key is what makes two concurrent requests with one key safe: only one insert wins; the other finds
    the row (still without a status while the first runs) and is told to retry later.
    """

    __tablename__ = "api_idempotency_keys"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    # SHA-256 of the method, the path and the raw body: the same key with anything else is refused.
    request_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # None while the first request is still running.
    status_code: Mapped[int | None] = mapped_column(Integer)
    # The first answer's JSON body as sent (references, statuses, dates and codes; never personal data).
    response_body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
