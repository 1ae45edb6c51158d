"""Structured JSON logs for ``frontdesk serve`` (structlog), with personal data masked.

One pipeline renders both structlog events and the standard library's records (the desk,
the store, aiohttp): a JSON object per line on stderr. Fields that may carry personal data
are masked before rendering: phone numbers and sender ids keep their last 4 characters,
message texts are replaced by their length. Business, conversation id and channel are kept.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# keys whose values identify a person: kept to their last 4 characters
MASKED = frozenset(
    {"phone", "customer_phone", "sender", "to", "from", "callback_number", "caller", "session"}
)
# libraries that log every SQL statement with its parameters (customers' names, phone
# numbers, messages) at DEBUG: never below INFO, whatever level the server logs at
QUERY_LOGGERS = ("aiosqlite",)
# keys whose values are what a person wrote: replaced by their length
DROPPED = frozenset({"text", "body", "message_text"})


def mask(value: object) -> str:
    """``+15035550142`` → ``***0142``; short values are hidden entirely."""
    text = str(value)
    return "***" + text[-4:] if len(text) > 4 else "***"


def _mask_personal(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in MASKED and event[key]:
            event[key] = mask(event[key])
        elif key in DROPPED and event[key] is not None:
            event[key] = f"<{len(str(event[key]))} chars>"
    return event


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route structlog and standard logging through one renderer on stderr (replacing any
    handlers the root logger had)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _mask_personal,
    ]
    structlog.configure(
        # below the level, a structlog call stops at once: no time stamp, no masking
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUERY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


__all__ = ["DROPPED", "MASKED", "QUERY_LOGGERS", "configure_logging", "mask"]
