"""No personal data in the logs, checked over the whole test run.

A pytest plugin (registered by ``tests/conftest.py``): for the whole session, every log
record that any logger emits is rendered by the server's own log pipeline
(:func:`adapters.http.logs.configure_logging`: structlog's JSON renderer with its masking)
into the line ``frontdesk serve`` would write; at the end of the session the lines are
searched for personal data:

* phone numbers: E.164 (``+15035550142``) and the demo's 555 numbers in any usual shape
  (``503-555-0171``, ``(503) 555 0142``, ``5035550142``);
* the customers' names the tests use (:data:`NAMES`);
* what customers said and who they are as the desk saw it: the text, sender (phone number,
  web-chat session id, Telegram chat id, caller id) and caller id of every inbound event
  that reached :meth:`engine.desk.Desk.handle` or :meth:`~engine.desk.Desk.refuse` in
  this run (texts shorter than :data:`MIN_TEXT` characters, such as "yes", are too common
  to tell apart from ordinary words and are left out).

A finding fails the run, naming the logger, the level and a masked excerpt.

Levels: the ``frontdesk`` loggers and ``aiohttp.access`` log at DEBUG for the whole run;
every other logger keeps the level the run gives it (WARNING by default), because DEBUG on
the root logger makes asyncio, aiohttp's client, the database drivers and the model
libraries write many records that carry none of our data (the measured cost is in the
report of the change that added this).

:data:`KNOWN_OFFENDERS` lists the log lines known to carry personal data today, by logger
and message; each is reported but does not fail the run, and the list is meant to be
emptied as they are fixed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

import pytest

# loggers that log at DEBUG for the whole run (with their children)
OUR_LOGGERS = ("frontdesk", "aiohttp.access", "aiohttp.server", "aiohttp.web")

# (logger name, message) of the lines known to carry personal data on main today, each
# being fixed (issue 21, item 4: every identifier in logs masked or hashed): reported at the
# end of the run, not failing it. Empty this list as they are fixed.
KNOWN_OFFENDERS: frozenset[tuple[str, str]] = frozenset()  # none: keep it so

MIN_TEXT = 12  # characters; a shorter message text is not searched for
MIN_ID = 6  # characters; a shorter sender id is not searched for

# the names of the customers in the tests (tests/fakes, tests/e2e and the channel tests)
NAMES = (
    "Dana Whitfield",
    "Jamie Rivera",
    "Alexandra Montgomery",
    "Anna Schmidt",
    "Bob Miller",
    "Jan Richter",
    "John Miller",
    "Jonas Weber",
    "Jordan Mills",
    "Klaus Le Grand",
    "Klaus Meyer",
    "Lena Schulz",
    "Mai Nguyen",
    "Max Meier",
    "May Lee",
    "Mia Keller",
    "Montag Okafor",
    "Morgan Blake",
    "Nguyen Van An",
    "Peter Parker",
    "Robin Lee",
    "Sam Lee",
    "Sam Rivera",
    "Sunday Adeyemi",
    "Will Smith",
    "Quillon Vantabrook",
    "Zephyrine Okonkwari",
)

PHONE = re.compile(
    r"(?<![\w+])\+[1-9]\d{7,14}(?!\d)"  # E.164
    r"|(?<!\d)\(?\d{3}\)?[-. ]?555[-. ]?\d{4}(?!\d)"  # 503-555-0171 and its shapes
    r"|(?<!\d)555[-. ]\d{4}(?!\d)"  # 555-0171
)


def masked(text: str, start: int, end: int, width: int = 60) -> str:
    """``text`` around ``[start, end)`` with the finding itself masked (its last 2
    characters kept), so the failure report does not repeat the personal data."""
    found = text[start:end]
    cover = "*" * max(len(found) - 2, 1) + found[-2:] if len(found) > 2 else "***"
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return f"…{before}{cover}{after}…"


@dataclass(frozen=True)
class Finding:
    logger: str
    level: str
    message: str  # the record's message template (not its arguments)
    what: str  # "phone number", "name", "message text", "sender id"
    excerpt: str  # masked

    def __str__(self) -> str:
        return f"{self.logger} {self.level} {self.what} in {self.message!r}: {self.excerpt}"


@dataclass
class Line:
    logger: str
    level: str
    message: str
    text: str


@dataclass
class Needles:
    """The personal data the run has seen, to be searched for in the log lines."""

    texts: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def add_event(self, event: Any) -> None:
        text = (getattr(event, "text", "") or "").strip()
        if len(text) >= MIN_TEXT:
            self.texts.add(text)
        for value in (getattr(event, "sender", ""), getattr(event, "customer_phone", "")):
            value = (value or "").strip()
            if len(value) >= MIN_ID and any(c.isdigit() for c in value):
                self.ids.add(value)

    def patterns(self) -> Iterator[tuple[str, re.Pattern[str]]]:
        yield "phone number", PHONE
        yield "name", _alternation(NAMES)
        if self.ids:
            yield "sender id", _alternation(self.ids, word=True)
        if self.texts:
            yield "message text", _alternation(self.texts)


def _alternation(needles: Iterable[str], word: bool = False) -> re.Pattern[str]:
    body = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])" if word else f"(?:{body})")


def readings(text: str) -> list[str]:
    """``text`` as written, and as a reader would decode it: JSON's ``\\u00fc`` escapes and
    URL encoding (``%2B1503...``, a request body echoed in an error) undone."""
    out = [text]
    if "\\u" in text:
        with contextlib.suppress(ValueError):
            out.append(json.dumps(json.loads(text), ensure_ascii=False))
    if "%" in text:
        out += [unquote_plus(t) for t in out]
    return out


def findings(lines: Iterable[Line], needles: Needles) -> list[Finding]:
    patterns = list(needles.patterns())
    out: list[Finding] = []
    for line in lines:
        found = next(
            (
                (what, text, m)
                for text in readings(line.text)
                for what, pattern in patterns
                if (m := pattern.search(text)) is not None
            ),
            None,
        )
        if found is not None:
            what, text, m = found
            excerpt = masked(text, m.start(), m.end())
            out.append(Finding(line.logger, line.level, line.message, what, excerpt))
    return out


class LogCheck:
    """The plugin: captures and renders every record, and checks the lines at the end."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.needles = Needles()
        self.records = 0
        self.active = False
        self.lowered: dict[str, int] = {}
        self._undo: list[Callable[[], None]] = []
        self._formatter: logging.Formatter | None = None

    # ------------------------------------------------------------------ capture

    def start(self, every_logger: bool = False) -> None:
        """Capture from now on; ``every_logger``: the root logger at DEBUG too.

        The loggers set to DEBUG for the capture still hand their handlers (the console,
        pytest's ``caplog``) only the records their own level would have let through, so a
        test sees the logs it would see without the check."""
        from adapters.http.logs import QUERY_LOGGERS

        self._formatter = _production_formatter()
        self.lowered = {name: logging.getLogger(name).level for name in OUR_LOGGERS}
        if every_logger:  # as ``serve`` at DEBUG, which keeps the query loggers at INFO
            self.lowered[""] = logging.getLogger().level
            for name in QUERY_LOGGERS:
                query_log = logging.getLogger(name)
                self._undo.append(functools.partial(query_log.setLevel, query_log.level))
                query_log.setLevel(logging.INFO)
        check = self
        original_handle = logging.Logger.handle

        def handle(logger: logging.Logger, record: logging.LogRecord) -> None:
            if logger.disabled:
                return
            if check.active:
                check.capture(record)
            if record.levelno >= check.intended_level(logger):
                original_handle(logger, record)

        self._replace(logging.Logger, "handle", handle)
        self.lower()
        self._undo.append(self.restore_levels)
        self._spy_on_the_desk()

    def lower(self) -> None:
        self.active = True
        for name in self.lowered:
            logging.getLogger(name).setLevel(logging.DEBUG)

    def restore_levels(self) -> None:
        self.active = False
        for name, level in self.lowered.items():
            logging.getLogger(name).setLevel(level)

    def intended_level(self, logger: logging.Logger) -> int:
        """``logger``'s effective level as if the capture had not lowered any."""
        current: logging.Logger | None = logger
        while current is not None:
            level = current.level
            name = "" if current is logging.getLogger() else current.name
            if name in self.lowered and level == logging.DEBUG:
                level = self.lowered[name]
            if level != logging.NOTSET:
                return level
            current = current.parent
        return logging.WARNING

    def _spy_on_the_desk(self) -> None:
        """Note each inbound event the desk receives (its behaviour is unchanged)."""
        from engine.desk import Desk

        for name in ("handle", "refuse"):
            self._replace(Desk, name, _noting(getattr(Desk, name), self.needles))

    def _replace(self, owner: object, name: str, value: object) -> None:
        self._undo.append(functools.partial(setattr, owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def capture(self, record: logging.LogRecord) -> None:
        self.records += 1
        assert self._formatter is not None
        try:
            text = self._formatter.format(record)
        except Exception as e:  # the server could not render it either: search what it holds
            text = f"unrenderable record: {type(e).__name__}: {record.msg!r} {record.args!r}"
        msg = record.msg
        message = (
            msg
            if isinstance(msg, str)
            else str(msg.get("event", ""))
            if isinstance(msg, dict)
            else type(msg).__name__
        )
        self.lines.append(Line(record.name, record.levelname, message, text))

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()

    # ------------------------------------------------------------------ check

    def check(self) -> tuple[list[Finding], list[Finding]]:
        """The findings that fail the run, and those on the known offenders' lines."""
        found = findings(self.lines, self.needles)
        known = [f for f in found if (f.logger, f.message) in KNOWN_OFFENDERS]
        return [f for f in found if (f.logger, f.message) not in KNOWN_OFFENDERS], known


def _noting(method: Any, needles: Needles) -> Any:
    @wraps(method)
    async def noted(desk: Any, event: Any, *args: Any, **kwargs: Any) -> Any:
        needles.add_event(event)
        return await method(desk, event, *args, **kwargs)

    return noted


def _production_formatter() -> logging.Formatter:
    """The formatter ``frontdesk serve`` writes its lines with (JSON, masked), taken from a
    run of :func:`configure_logging`, whose handler and root level are then put back as
    they were (structlog stays routed through the standard library, as in the server)."""
    from adapters.http.logs import QUERY_LOGGERS, configure_logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    pinned = {name: logging.getLogger(name).level for name in QUERY_LOGGERS}
    configure_logging("WARNING", json=True)
    for name, was in pinned.items():
        logging.getLogger(name).setLevel(was)
    [handler] = root.handlers
    formatter = handler.formatter
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    assert formatter is not None
    return formatter


# ---------------------------------------------------------------------- pytest hooks

KEY = pytest.StashKey[LogCheck]()
RESULT = pytest.StashKey[tuple[list[Finding], list[Finding], int]]()


def pytest_configure(config: pytest.Config) -> None:
    """Start capturing, unless ``FRONTDESK_LOG_CHECK=0`` (to measure what it costs);
    ``FRONTDESK_LOG_CHECK=all`` sets every logger to DEBUG (slower, see the module's text)."""
    config.addinivalue_line(
        "markers",
        "levels_as_configured: run with the loggers at their own levels, unchecked "
        "(tests/logcheck.py)",
    )
    mode = os.environ.get("FRONTDESK_LOG_CHECK", "1")
    if mode == "0" or KEY in config.stash:
        return
    check = LogCheck()
    check.start(every_logger=mode == "all")
    config.stash[KEY] = check


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A test marked ``levels_as_configured`` (one that checks the level filtering itself)
    runs with the loggers at their own levels, and nothing it logs is checked."""
    check = item.config.stash.get(KEY, None)
    pause = check is not None and item.get_closest_marker("levels_as_configured") is not None
    if pause:
        assert check is not None
        check.restore_levels()
    try:
        yield
    finally:
        if pause:
            assert check is not None
            check.lower()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    check = session.config.stash.get(KEY, None)
    if check is None:
        return
    check.stop()
    failing, known = check.check()
    session.config.stash[RESULT] = (failing, known, check.records)
    if failing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    result = config.stash.get(RESULT, None)
    if result is None:
        return
    failing, known, records = result
    tr = terminalreporter
    if known:
        tr.section("personal data in logs: known offenders (KNOWN_OFFENDERS)", sep="-")
        for f in _distinct(known):
            tr.line(str(f))
    if failing:
        tr.section("personal data in logs", sep="=", red=True, bold=True)
        for f in _distinct(failing):
            tr.line(str(f), red=True)
        tr.line(f"{len(failing)} log line(s) of {records} carry personal data", red=True)
    else:
        tr.line(f"log check: {records} log records, no personal data")


def _distinct(found: list[Finding], limit: int = 40) -> list[Finding]:
    """One finding per (logger, level, message, kind), at most ``limit``."""
    seen: dict[tuple[str, str, str, str], Finding] = {}
    for f in found:
        seen.setdefault((f.logger, f.level, f.message, f.what), f)
    return list(seen.values())[:limit]


__all__ = ["KNOWN_OFFENDERS", "NAMES", "PHONE", "Finding", "LogCheck", "Needles", "findings"]
