"""Structured JSON logs for ``frontdesk serve`` (structlog), with personal data taken out.

One pipeline renders both structlog events and the standard library's records (the desk,
the store, aiohttp and its access log, any library): a JSON object per line on stderr. Just
before rendering, at every level and whatever the logger, :func:`scrub` goes over every
field:

- a field that names a person or a conversation's handle (a phone number, a sender, a
  session id, a provider message id, a chat id, a name, an e-mail address, a client
  address; see :data:`IDENTIFIERS`) is replaced by a short keyed hash, ``h:`` and 10 hex
  digits: the same value gives the same hash within a server (so lines can be followed),
  and without the key a hash cannot be matched against a list of phone numbers;
- a field holding what a person wrote (:data:`TEXTS`) is replaced by its length;
- every other text — the message itself, a traceback, a path with its query — has the
  identifiers it may embed hashed in place: phone numbers and other runs of 7 or more
  digits, e-mail addresses, web-chat session ids, provider message ids (``web-…``,
  ``wamid.…``, Twilio's SIDs) and the values of query parameters (but ``lang``).

Business, channel, conversation id (a random uuid that names nobody), status and the like
are kept as they are.

Another library's DEBUG lines are dropped, whatever the level: they dump raw data that no
pattern can clean (aiosqlite logs every SQL statement with its parameters — a customer's
name and words, a session's sender). At ``log_level = "DEBUG"`` the ``frontdesk.*`` loggers
say everything; every other logger from INFO up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# keys whose values identify a person or open a conversation: replaced by a keyed hash
IDENTIFIERS = frozenset(
    {
        "phone",
        "customer_phone",
        "sender",
        "to",
        "from",
        "callback_number",
        "caller",
        "session",
        "session_id",
        "provider_msg_id",
        "msg_id",
        "message_id",
        "wamid",
        "sid",
        "call",
        "call_sid",
        "chat_id",
        "user_id",
        "name",
        "customer_name",
        "person_name",
        "email",
        "remote",
        "peer",
        "ip",
    }
)
# libraries that log every SQL statement with its parameters (customers' names, phone
# numbers, messages) at DEBUG: never below INFO, whatever level the server logs at
QUERY_LOGGERS = ("aiosqlite",)
# keys whose values are what a person wrote: replaced by their length
TEXTS = frozenset(
    {"text", "body", "message_text", "value", "said", "reply", "transcript", "payload"}
)
# keys the pipeline itself adds, never personal: left alone
KEPT = frozenset({"timestamp", "level", "logger", "pid", "port", "host"})

# query parameters whose values are never personal: left alone
QUERY_KEPT = frozenset({"lang"})

_KEY = [secrets.token_bytes(32)]  # replaced by serve (derived from the session secret)

_EMBEDDED = re.compile(
    r"(?P<session>[A-Za-z0-9_-]{16,}\.[0-9]{6,12}\.[A-Za-z0-9_-]{20,})"
    r"|(?P<web>\bweb-[A-Za-z0-9_.:-]+)"
    r"|(?P<wamid>\bwamid\.[A-Za-z0-9_=+/-]+)"
    r"|(?P<sid>\b(?:SM|MM|CA|AC|RE|MG)[0-9a-fA-F]{32}\b)"
    r"|(?P<email>[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"|(?P<query>(?<=[?&;])[^=&;\s\"']+=)(?P<qvalue>[^&;\s\"']+)"
    r"|(?P<digits>(?<![\w])\+?\d(?:[ ().-]{0,2}\d){6,19}(?![\w]))"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def set_log_key(key: bytes) -> bytes:
    """Set the key of the log's hashes (``serve`` derives it from the session secret, so
    every worker hashes a value alike); returns the previous one."""
    previous, _KEY[0] = _KEY[0], bytes(key)
    return previous


def pseudonym(value: object) -> str:
    """``h:`` and 10 hex digits of an HMAC-SHA256 of ``value`` under the log key."""
    digest = hmac.new(_KEY[0], str(value).encode("utf-8", "replace"), hashlib.sha256)
    return "h:" + digest.hexdigest()[:10]


def _replace(match: re.Match[str]) -> str:
    if match.group("query"):
        name, value = match.group("query"), match.group("qvalue")
        return name + (value if name[:-1] in QUERY_KEPT else pseudonym(value))
    found = match.group(0)
    if match.group("digits") and _DATE.match(found.lstrip("+")):
        return found  # a date, not a number
    return pseudonym(found)


def scrub_text(text: str) -> str:
    """``text`` with every embedded identifier replaced by its hash."""
    return _EMBEDDED.sub(_replace, text)


def _scrub_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        return pseudonym(value)  # a chat id, a phone number as a number
    if depth > 4 or isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {k: _scrub_field(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(v, depth + 1) for v in value]
    return scrub_text(str(value))


def _scrub_field(key: str, value: Any, depth: int = 0) -> Any:
    lowered = key.lower()
    if value is None or value == "":
        return value
    if lowered in IDENTIFIERS:
        return pseudonym(value)
    if lowered in TEXTS:
        return f"<{len(str(value))} chars>"
    return _scrub_value(value, depth)


def scrub(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The processor: every field of ``event`` but the pipeline's own, scrubbed."""
    for key in list(event):
        if key not in KEPT:
            event[key] = _scrub_field(key, event[key])
    return event


class OthersDebug(logging.Filter):
    """Drops the DEBUG records of loggers outside ``frontdesk``."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or record.name.split(".", 1)[0] == "frontdesk"


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route structlog and standard logging through one renderer on stderr (replacing any
    handlers the root logger had)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        # below the level, a structlog call stops at once: no time stamp, no scrubbing
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
            scrub,  # last before rendering: tracebacks and every logger's fields too
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(OthersDebug())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUERY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


__all__ = [
    "IDENTIFIERS",
    "KEPT",
    "QUERY_KEPT",
    "QUERY_LOGGERS",
    "TEXTS",
    "OthersDebug",
    "configure_logging",
    "pseudonym",
    "scrub",
    "scrub_text",
    "set_log_key",
]
