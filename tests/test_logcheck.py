"""The log check (tests/logcheck.py) can fail: a log line with a phone number, a customer's
name, what a customer said or a sender id fails the run; masked lines pass. (The server's
log pipeline already hashes phone numbers in any text, so the lines that get through it
here carry a name.)"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.logcheck import PHONE, Line, LogCheck, Needles, findings, masked

ROOT = Path(__file__).resolve().parents[1]


def _line(text: str) -> Line:
    return Line("frontdesk.x", "DEBUG", "m", text)


@given(st.from_regex(r"\A\+[1-9][0-9]{7,14}\Z"), st.text(max_size=30), st.text(max_size=30))
def test_every_e164_number_is_found_and_masked_in_the_report(
    number: str, before: str, after: str
) -> None:
    text = f"{before} {number} {after}"
    [finding] = findings([_line(text)], Needles())
    assert finding.what == "phone number"
    assert number not in finding.excerpt


def test_the_demos_555_numbers_in_every_shape_are_phone_numbers() -> None:
    for shape in ("503-555-0171", "503 555 0142", "(503) 555-0142", "5035550142", "555-0171"):
        assert PHONE.search(f"call {shape} now"), shape
    for fine in ("***0142", "2026-11-24T10:00:00+00:00", "turn 5550", "id 41555012345678x"):
        assert not PHONE.search(fine), fine


def test_senders_and_texts_the_desk_saw_are_found_short_ones_are_not() -> None:
    needles = Needles()
    needles.add_event(
        SimpleNamespace(
            text="I need to cancel my appointment", sender="123456789", customer_phone=None
        )
    )
    needles.add_event(SimpleNamespace(text="yes", sender="anonymous", customer_phone=None))
    found = findings(
        [
            _line('{"event": "x", "chat": "123456789"}'),
            _line('{"event": "said I need to cancel my appointment"}'),
            _line('{"event": "yes", "sender": "anonymous", "chat": "1234567890"}'),
        ],
        needles,
    )
    assert [f.what for f in found] == ["sender id", "message text"]


def test_encoded_personal_data_is_found_as_a_reader_would_decode_it() -> None:
    needles = Needles()
    found = findings(
        [
            _line("Invalid method: b'Body=hi&From=%2B15035550166'"),  # a form echoed
            _line('{"event": "hello", "who": "Quillon Vantabrook"}'),
            _line('{"event": "hello", "who": "Klaus Le Grand"}'),
            _line('{"event": "hello", "who": "Lena Schulz"}'.replace("u", "\\u0075")),
        ],
        needles,
    )
    assert [f.what for f in found] == ["phone number", "name", "name", "name"]


@pytest.mark.levels_as_configured  # what this test logs on purpose is not the run's finding
def test_records_of_any_shape_are_captured_and_searched() -> None:
    check = LogCheck()
    check.start()
    try:
        log = logging.getLogger("frontdesk.shapes")
        # the server's pipeline hashes phone numbers wherever they are; a name in free text
        # it cannot know, so that is what these lines leak
        log.debug(ValueError("Quillon Vantabrook"))  # not a string
        log.info("%d%d", 1)  # cannot be rendered: the logging module reports it, we search it
        log.info({"event": "a dict, not from structlog", "who": "Quillon Vantabrook"})
    finally:
        check.stop()
    failing, _ = check.check()
    assert [(f.message, f.what) for f in failing] == [
        ("ValueError", "name"),
        ("a dict, not from structlog", "name"),
    ]
    assert check.records == 3


def test_masked_keeps_the_context_and_hides_the_finding() -> None:
    text = "before +15035550142 after"
    start = text.index("+")
    assert masked(text, start, start + 12) == "…before **********42 after…"


def test_a_run_that_logs_a_phone_number_fails_naming_the_logger_and_level(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_logs_a_phone.py").write_text(
        textwrap.dedent(
            """
            import logging

            import structlog

            def test_logs():
                logging.getLogger("frontdesk.leaky").debug("calling %s", "Quillon Vantabrook")
                structlog.get_logger("frontdesk.careful").info(
                    "sent", customer_phone="+15035550177", text="Quillon Vantabrook here"
                )
                logging.getLogger("frontdesk.fine").info("sent", extra={"sender": "+15035550188"})
            """
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.logcheck",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pytest.ini"),
            str(tmp_path / "test_logs_a_phone.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FRONTDESK_LOG_CHECK": "1"},
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "1 passed" in out, out
    assert "frontdesk.leaky DEBUG name in 'calling %s'" in out, out
    assert "Quillon Vantabrook" not in out, out  # the report masks it
    assert "frontdesk.careful" not in out and "frontdesk.fine" not in out, out  # masked: fine
