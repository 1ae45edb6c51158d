"""The server's JSON logs: one object per line, every identifier hashed, texts dropped."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from adapters.http.logs import configure_logging, pseudonym, scrub_text, set_log_key


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    structlog.reset_defaults()


def _lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line]


def test_logs_are_json_with_identifiers_hashed_and_texts_dropped(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("INFO")
    structlog.get_logger("frontdesk.test").info(
        "turn",
        business="bloom-salon",
        conversation_id="c1",
        channel="sms",
        customer_phone="+15035550142",
        text="my number is +15035550142",
    )
    logging.getLogger("frontdesk.other").warning(
        "std", extra={"sender": "+4930123456789", "business": "praxis-sommer"}
    )
    err = capsys.readouterr().err
    first, second = _lines(err)
    assert first["event"] == "turn" and first["business"] == "bloom-salon"
    assert first["conversation_id"] == "c1" and first["channel"] == "sms"
    assert first["customer_phone"] == pseudonym("+15035550142") and "5035550142" not in err
    assert re.fullmatch(r"h:[0-9a-f]{10}", first["customer_phone"])
    assert first["text"] == "<25 chars>" and first["level"] == "info"
    assert second["sender"] == pseudonym("+4930123456789") and "0123456789" not in err
    assert second["business"] == "praxis-sommer"


SESSION = "Qk3v0f8s2LmZ-xYp_1aB2c3D.1760086400.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
SECRETS = (
    "Qk3v0f8s2LmZ-xYp_1aB2c3D",  # a session's random part
    "503-555-0171",
    "5550171",
    "+49 30 1234567",
    "ada@example.com",
    "SM0123456789abcdef0123456789abcdef",
    "wamid.HBgLMTU1NTU1NTAxNzEVAgARGBI",
    "8123456789",  # a Telegram chat id
    "Ada Lovelace",
    "I need to cancel",
)


def test_every_identifier_is_hashed_in_any_field_at_every_level_and_in_any_logger(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("DEBUG")
    structlog.get_logger("frontdesk.webchat").debug(
        "webchat turn", session=SESSION, provider_msg_id=f"web-{SESSION.split('.')[0]}-c1"
    )
    logging.getLogger("frontdesk.http").warning(
        "rate limited",
        extra={"provider_msg_id": "web-Qk3v0f8s2LmZ-xYp_1aB2c3D-7", "chat_id": 8123456789},
    )
    logging.getLogger("some.library").error(
        "could not reach %s for %s (%s)", "503-555-0171", "ada@example.com", "+49 30 1234567"
    )
    logging.getLogger("frontdesk.telegram").info(
        "update", extra={"update": {"chat": {"id": 8123456789}, "name": "Ada Lovelace"}}
    )
    logging.getLogger("frontdesk.twilio").info(
        "delivered SM0123456789abcdef0123456789abcdef and wamid.HBgLMTU1NTU1NTAxNzEVAgARGBI"
    )
    structlog.get_logger("frontdesk.desk").info(
        "said", said="I need to cancel", name="Ada Lovelace"
    )
    # aiohttp's access log line, as its default format renders a request with a query
    logging.getLogger("aiohttp.access").info(
        '127.0.0.1 [10/Dec/2025:12:00:00 +0000] "GET /chat/bloom-salon?session=%s&lang=en '
        'HTTP/1.1" 200 512 "-" "curl"',
        SESSION,
    )
    try:
        raise RuntimeError("no appointment for 503-555-0171")
    except RuntimeError:
        logging.getLogger("frontdesk.http").exception("unhandled error")
    err = capsys.readouterr().err
    lines = _lines(err)
    assert len(lines) == 8
    for secret in (SESSION, *SECRETS):
        assert secret not in err, secret
    assert lines[1]["provider_msg_id"] == pseudonym("web-Qk3v0f8s2LmZ-xYp_1aB2c3D-7")
    assert (
        "lang=en" in lines[6]["event"] and "GET /chat/bloom-salon?session=h:" in lines[6]["event"]
    )
    assert "RuntimeError" in lines[7]["exception"] and "h:" in lines[7]["exception"]
    # a date, the address serve listens on, a port, a count, a conversation id: kept
    logging.getLogger("frontdesk.serve").warning(
        "serving on 2025-12-10",
        extra={
            "host": "192.0.2.10",
            "port": 8080,
            "count": 12,
            "conversation_id": "ab" * 16,
        },
    )
    (kept,) = _lines(capsys.readouterr().err)
    assert kept["event"] == "serving on 2025-12-10" and kept["port"] == 8080
    assert kept["conversation_id"] == "ab" * 16 and kept["count"] == 12
    assert kept["host"] == "192.0.2.10"  # where serve listens, not a client


def test_another_librarys_debug_lines_are_dropped_ours_are_kept(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("DEBUG")
    logging.getLogger("aiosqlite").debug(
        "executing %s", ["webchat", "8dsidD4koVrAQcuqSGjohe22", "Hi, I'm Ada Lovelace"]
    )
    logging.getLogger("aiosqlite").info("a library's info line")
    logging.getLogger("frontdesk.desk").debug("our debug line")
    events = [line["event"] for line in _lines(capsys.readouterr().err)]
    assert events == ["a library's info line", "our debug line"]


@given(
    st.from_regex(r"\+?[1-9][0-9]{6,13}", fullmatch=True)
    | st.from_regex(r"[0-9]{3}[-. ][0-9]{3}[-. ][0-9]{4}", fullmatch=True),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=20),
)
def test_any_phone_number_in_any_sentence_is_hashed(phone: str, words: str) -> None:
    scrubbed = scrub_text(f"{words} {phone} {words}")
    assert phone not in scrubbed and pseudonym(phone) in scrubbed


def test_the_hash_depends_on_the_key() -> None:
    before = pseudonym("+15035550142")
    previous = set_log_key(b"another key of thirty-two bytes!")
    try:
        assert pseudonym("+15035550142") != before
        assert pseudonym("+15035550142") == pseudonym("+15035550142")
    finally:
        set_log_key(previous)
    assert pseudonym("+15035550142") == before


@pytest.mark.levels_as_configured  # the suite's log check lowers the frontdesk loggers' level
def test_a_structlog_call_below_the_level_is_dropped_before_any_processing(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    """A turn's info line costs nothing when the level is WARNING: the masking (and every
    other processor) never sees it."""
    read: list[str] = []

    class Text:
        def __init__(self, name: str) -> None:
            self.name = name

        def __str__(self) -> str:
            read.append(self.name)
            return "what the customer wrote"

    configure_logging("WARNING")
    log = structlog.get_logger("frontdesk.test")
    log.info("quiet", business="bloom-salon", text=Text("info"))
    log.warning("loud", business="bloom-salon", text=Text("warning"))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert [(line["event"], line["text"]) for line in lines] == [("loud", "<23 chars>")]
    assert read == ["warning"]


async def test_debug_logs_do_not_carry_the_databases_query_parameters(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    """aiosqlite logs each statement with its parameters (a customer's phone number) at
    DEBUG; a server run at DEBUG keeps it at INFO."""
    import aiosqlite

    query_log = logging.getLogger("aiosqlite")
    before = query_log.level
    try:
        configure_logging("DEBUG")
        logging.getLogger("frontdesk.test").debug("still logged")
        async with aiosqlite.connect(":memory:") as db:
            await db.execute("select ?", ("+15035550142",))
        err = capsys.readouterr().err
    finally:
        query_log.setLevel(before)
    assert "still logged" in err
    assert "5550142" not in err
