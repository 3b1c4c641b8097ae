"""A fake mail server's handler: aiosmtpd hands it each message, it keeps them for the test to read."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from typing import Any


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"
