"""Personal data kept beside the audit trail: the text an event recorded, and who read which case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import Base


class PrivateTextRow(Base):
    """Free text or a personal fact an audit event recorded; the event's chained payload holds only its keyed hash.

    Rectifying or erasing it clears `text` here (and a rectification adds a row for the new text, recorded by its
    own event), so the text can change and the chain still verifies.
    """

    __tablename__ = "private_text"
    __table_args__ = (UniqueConstraint("case_reference", "seq", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)  # the audit event that recorded it
    field: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)  # None once rectified or erased
    state: Mapped[str] = mapped_column(String(16))  # live / rectified / erased
    changed_by_seq: Mapped[int | None] = mapped_column(Integer)  # the event that rectified or erased it


class CaseReadRow(Base):
    """One read of one case by a person: who, when, which case, through what (cli, api, console)."""

    __tablename__ = "case_reads"
    __table_args__ = (Index("ix_case_reads_case_reference_read_at", "case_reference", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str | None] = mapped_column(String(64))  # None: a command-line read without --actor
    channel: Mapped[str] = mapped_column(String(16))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
