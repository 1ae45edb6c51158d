"""A local server speaking the WhatsApp Cloud API's wire format (the Graph API's /messages),
with the account the tests configure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

PHONE_ID = "106540352242922"
TOKEN = "EAAG-whatsapp-access-token-for-tests"
SECRET = "whatsapp-app-secret-for-tests"
VERIFY = "verify-me-please"
VERSION = "v21.0"
CUSTOMER = "15035550123"  # Meta's `from`: the number without '+'


@dataclass
class FakeGraph:
    """The Cloud API's messages endpoint as far as we use it, with Meta's limits.
    ``fail_with``: (HTTP status, error code) pairs to answer, in order, instead of sending."""

    url: str = ""
    fail_with: list[tuple[int, int]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)  # every request body
    sent: list[dict[str, Any]] = field(default_factory=list)  # the accepted ones

    async def messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.attempts.append(body)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(
                401, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException"
            )
        if request.match_info["version"] != VERSION or request.match_info["phone"] != PHONE_ID:
            return _error(400, 100, "Unsupported post request.", "GraphMethodException")
        if problem := _invalid(body):
            return _error(400, 131009, f"(#131009) Parameter value is not valid: {problem}")
        if self.fail_with:
            status, code = self.fail_with.pop(0)
            return _error(
                status,
                code,
                {
                    131048: "(#131048) Spam rate limit hit",
                    131026: "(#131026) Message undeliverable",
                    131000: "(#131000) Something went wrong",
                }.get(code, "(#4) Application request limit reached"),
            )
        self.sent.append(body)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                "messages": [{"id": f"wamid.OUT{len(self.sent):020d}"}],
            }
        )

    def last_text(self) -> str:
        message = self.sent[-1]
        if message["type"] == "text":
            return str(message["text"]["body"])
        return str(message["interactive"]["body"]["text"])


def _invalid(body: dict[str, Any]) -> str:
    """What Meta would refuse in a message (empty when it is fine)."""
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        return "messaging_product and to are required"
    if body.get("type") == "text":
        text = body.get("text", {}).get("body", "")
        return "" if 0 < len(text) <= 4096 else "text.body length"
    if body.get("type") != "interactive":
        return "type"
    inter = body["interactive"]
    if not 0 < len(inter.get("body", {}).get("text", "")) <= 1024:
        return "interactive.body.text length"
    if inter["type"] == "button":
        buttons = inter["action"]["buttons"]
        titles = [b["reply"]["title"] for b in buttons]
        ids = [b["reply"]["id"] for b in buttons]
        if not 1 <= len(buttons) <= 3 or any(b["type"] != "reply" for b in buttons):
            return "buttons"
        if any(not 0 < len(t) <= 20 for t in titles) or len(set(titles)) < len(titles):
            return "button titles: 1-20 characters, distinct"
        if any(not 0 < len(i) <= 256 for i in ids) or len(set(ids)) < len(ids):
            return "button ids"
        return ""
    if inter["type"] == "list":
        action = inter["action"]
        rows = [r for s in action["sections"] for r in s["rows"]]
        if not 0 < len(action["button"]) <= 20 or not 1 <= len(rows) <= 10:
            return "list button or rows"
        if any(
            not 0 < len(r["title"]) <= 24
            or len(r.get("description", "")) > 72
            or not 0 < len(r["id"]) <= 200
            for r in rows
        ):
            return "row title/description/id length"
        if len({r["id"] for r in rows}) < len(rows):
            return "row ids must be distinct"
        return ""
    return "interactive.type"


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> web.Response:
    return web.json_response(
        {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "error_subcode": 2494010,
                "fbtrace_id": "AbCdEfGhIjKlMnOp",
            }
        },
        status=status,
    )


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    api = web.Application()
    api.router.add_post("/{version}/{phone}/messages", fake.messages)
    server = TestServer(api, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
