"""A local server speaking the Telegram Bot API's wire format (sendMessage,
answerCallbackQuery, editMessageReplyMarkup), with the bot's token and secret the tests
configure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # Tuesday
TOKEN = "123456789:AAHfake-token_for_tests0123456789abc"
SECRET = "webhook-secret_for-tests"
CHAT = 987654321  # a private chat's id is the customer's user id


@dataclass
class FakeTelegram:
    """The Bot API as far as we use it. ``fail_with``: statuses to answer (in order)
    instead of accepting, each with Telegram's error JSON."""

    url: str = ""
    fail_with: list[int] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)  # every request
    sent: list[dict[str, Any]] = field(default_factory=list)  # the messages it accepted
    answered: list[str] = field(default_factory=list)  # callback queries answered

    async def method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Bad Request: can't parse JSON")
        self.attempts.append({"method": method, **body})
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        if method == "sendMessage":
            problem = _check_message(body)
        elif method == "answerCallbackQuery":
            problem = (
                ""
                if isinstance(body.get("callback_query_id"), str)
                else "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid"
            )
        else:
            return _error(404, "Not Found")
        if problem:
            return _error(400, problem)
        if self.fail_with:
            status = self.fail_with.pop(0)
            if status == 429:
                return _error(429, "Too Many Requests: retry after 3", retry_after=3)
            if status == 403:
                return _error(403, "Forbidden: bot was blocked by the user")
            return _error(
                status, "Bad Request: chat not found" if status < 500 else "Internal Server Error"
            )
        if method == "answerCallbackQuery":
            self.answered.append(body["callback_query_id"])
            return web.json_response({"ok": True, "result": True})
        self.sent.append(body)
        result = {
            "message_id": 1000 + len(self.sent),
            "from": {
                "id": 123456789,
                "is_bot": True,
                "first_name": "Bloom",
                "username": "bloom_salon_bot",
            },
            "chat": {"id": body["chat_id"], "first_name": "Jamie", "type": "private"},
            "date": int(NOW.timestamp()),
            "text": body["text"],
        }
        if "reply_markup" in body:
            result["reply_markup"] = body["reply_markup"]
        return web.json_response({"ok": True, "result": result})


def _check_message(body: dict[str, Any]) -> str:
    if not isinstance(body.get("chat_id"), int | str):
        return "Bad Request: chat_id is empty"
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return "Bad Request: message text is empty"
    if len(text.encode("utf-16-le")) // 2 > 4096:
        return "Bad Request: message is too long"
    markup = body.get("reply_markup")
    if markup is not None:
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            return "Bad Request: can't parse inline keyboard"
        for button in (b for row in rows for b in row):
            data = button.get("callback_data", "")
            if not button.get("text") or not 1 <= len(data.encode()) <= 64:
                return "Bad Request: BUTTON_DATA_INVALID"
    return ""


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    api = web.Application()
    api.router.add_post("/bot{token}/{method}", fake.method)
    server = TestServer(api, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
