"""structlog configured once: JSON lines carrying the correlation id of the request or event."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar

import structlog

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def _add_correlation(_: object, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    cid = correlation_id.get()
    if cid and "correlation_id" not in event_dict:
        event_dict["correlation_id"] = cid
    return event_dict


SECRET_KEYS = ("authorization", "token", "secret", "password", "cookie")
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
MAX_VALUE = 2000


def redact(_: object, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """No token, secret or file content in a log line: keys that name one are masked, bearer tokens and JWTs
    inside any text are masked, and long values (a file's bytes, a huge input) are cut."""
    for key, value in list(event_dict.items()):
        if any(word in key.lower() for word in SECRET_KEYS):
            event_dict[key] = "***"
        elif isinstance(value, bytes | bytearray):
            event_dict[key] = f"<{len(value)} octets>"
        elif isinstance(value, str):
            masked = BEARER.sub(lambda m: (m.group(1) or "") + "***", value)
            cut = key != "exception" and len(masked) > MAX_VALUE
            event_dict[key] = masked[:MAX_VALUE] + "…" if cut else masked
    return event_dict


def configure(service: str, level: str = "INFO", json: bool = True) -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_correlation,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
