"""The server's JSON logs: one object per line, personal data masked."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from adapters.http.logs import configure_logging, mask


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


def test_logs_are_json_with_phones_masked_and_texts_dropped(
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
    first, second = (json.loads(line) for line in err.splitlines())
    assert first["event"] == "turn" and first["business"] == "bloom-salon"
    assert first["conversation_id"] == "c1" and first["channel"] == "sms"
    assert first["customer_phone"] == "***0142" and "5035550142" not in err
    assert first["text"] == "<25 chars>" and first["level"] == "info"
    assert second["sender"] == "***6789" and second["business"] == "praxis-sommer"


def test_mask_keeps_only_the_last_four() -> None:
    assert mask("+15035550142") == "***0142"
    assert mask("0142") == "***"


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
