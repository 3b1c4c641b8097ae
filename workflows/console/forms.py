"""The console's form posts: URL-encoded bodies of a bounded size, each carrying its session's CSRF token."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from workflows.console.errors import FormRefused

__all__ = ["CSRF_FIELD", "MAX_FORM_BYTES", "FormFields", "form_fields"]

CSRF_FIELD = "csrf_token"
# The largest form is an escalation with its note (at most NOTE_LENGTH characters, up to 4 bytes each once encoded).
MAX_FORM_BYTES = 16 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class FormFields(dict[str, str]):
    """A posted form's fields, the first value of each."""


async def form_fields(request: Request) -> FormFields:
    """The posted form's fields; FormRefused when the body is not a form or is too large."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_TYPE:
        raise FormRefused(f"form: content type {FORM_TYPE} expected", status=415)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(f"form: at most {MAX_FORM_BYTES} bytes expected", status=413)
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise FormRefused("form: a URL-encoded UTF-8 form expected", status=400) from None
    return FormFields({name: values[0] for name, values in parsed.items()})
