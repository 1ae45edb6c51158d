"""A local server speaking Twilio's REST API wire format (Messages.json, Basic auth), with the
account the tests configure.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-auth-token-for-tests"
FROM = "+15035550199"  # the salon's Twilio number in these tests


@dataclass
class FakeTwilio:
    """Twilio's Messages API as far as we use it. ``fail_with``: statuses to answer
    (in order) instead of accepting, each with Twilio's error JSON."""

    url: str = ""
    fail_with: list[int] = field(default_factory=list)
    attempts: list[dict[str, str]] = field(default_factory=list)  # every request
    sent: list[dict[str, str]] = field(default_factory=list)  # the accepted ones
    peers: list[object] = field(default_factory=list)  # the client's address, per request

    async def messages(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.peers.append(
            request.transport.get_extra_info("peername") if request.transport else None
        )
        seen = {k: str(v) for k, v in form.items()}
        seen["token"] = request.headers.get("I-Twilio-Idempotency-Token", "")
        self.attempts.append(seen)
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["sid"] != SID:
            return _error(401, 20003, "Authenticate")
        if not seen.get("To") or not seen.get("Body") or not seen.get("From"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if self.fail_with:
            status = self.fail_with.pop(0)
            return _error(
                status,
                21211 if status < 500 else 20500,
                "The 'To' number is not a valid phone number."
                if status < 500
                else "An internal server error has occurred",
            )
        self.sent.append(seen)
        msg_sid = f"SM{len(self.sent):032x}"
        return web.json_response(
            {
                "sid": msg_sid,
                "account_sid": SID,
                "to": seen["To"],
                "from": seen["From"],
                "body": seen["Body"],
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "num_media": "0",
                "price": None,
                "error_code": None,
                "error_message": None,
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{SID}/Messages/{msg_sid}.json",
            },
            status=201,
        )


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        },
        status=status,
    )


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    api = web.Application()
    api.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.messages)
    server = TestServer(api, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
