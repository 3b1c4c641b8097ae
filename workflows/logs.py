"""structlog set-up: JSON lines off a terminal, readable console on one, personal data redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from states.personal_data import PERSONAL_KEYS

REDACTED = "[redacted]"

# What is personal is defined once, in the domain; matching is on the lower-cased key, so "Date_Of_Birth" is caught too.


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: REDACTED if str(key).lower() in PERSONAL_KEYS else _redact_value(item) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(item) for item in value)
    return value


def redact_personal_data(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: replace the values of personal keys, at any depth, before anything is rendered."""
    for key in list(event_dict):
        if key.lower() in PERSONAL_KEYS:
            event_dict[key] = REDACTED
        elif key != "event":
            event_dict[key] = _redact_value(event_dict[key])
    return event_dict


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Route structlog through the standard library so Prefect's handlers see our events too."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]
    # Tracebacks as dicts would carry local variables (personal data among them) unless show_locals is off.
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    exception_processors: list[Any] = (
        [structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False))]
        if as_json
        else []
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *exception_processors, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    caseflow_logger = logging.getLogger("caseflow")
    caseflow_logger.handlers[:] = [handler]
    caseflow_logger.setLevel(level)
    caseflow_logger.propagate = False


def get_logger(name: str = "caseflow", **context: Any) -> Any:
    """A logger under the 'caseflow' hierarchy, with context bound (e.g. case_ref=...).

    structlog's lazy proxy: safe at import time, it takes the configuration in force when it first logs.
    """
    logger_name = name if name.startswith("caseflow") else f"caseflow.{name}"
    return structlog.get_logger(logger_name, **context)


bind_case = structlog.contextvars.bind_contextvars
