"""The served application offers every channel's routes (the app factory wires them)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http.app import CHANNELS, build_app
from adapters.http.server import Server
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from tests.dbs import database_url


async def test_every_channel_is_served(tmp_path: Path, language) -> None:
    async with database_url(tmp_path) as db:
        app = await open_app(
            Settings(db=db, businesses=repo_path("examples", "businesses")), language=language
        )
        try:
            web_app = build_app(Server(settings=app.settings, app=app))
            served = {
                (r.method, r.resource.canonical)
                for r in web_app.router.routes()
                if r.resource is not None
            }
        finally:
            await app.close()
    for path in (
        "/twilio/sms/{business}",
        "/twilio/voice/{business}",
        "/twilio/voice/{business}/gather",
        "/ws/{business}",
        "/whatsapp/{business}",
        "/telegram/{business}",
    ):
        assert any(p == path for _, p in served), (path, served)
    assert {m.__name__.rsplit(".", 1)[-1] for m in CHANNELS} >= {
        "webchat",
        "twilio",
        "voice",
        "whatsapp",
        "telegram",
    }


async def test_connect_is_refused_without_logging_what_followed_it(
    tmp_path: Path, language, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp reads the bytes after a CONNECT as a new request, and logged them (a form
    with a phone number) with a traceback at ERROR."""
    caplog.set_level(logging.DEBUG, "aiohttp")
    async with database_url(tmp_path) as db:
        app = await open_app(
            Settings(db=db, businesses=repo_path("examples", "businesses")), language=language
        )
        client = TestClient(TestServer(build_app(Server(settings=app.settings, app=app))))
        await client.start_server()
        try:
            for path in ("/twilio/sms/bloom-salon", "/nowhere"):
                r = await client.request(
                    "CONNECT",
                    path,
                    data=b"From=%2B15035550166&Body=hi",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert r.status == 405
        finally:
            await client.close()
            await app.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "5550166" not in caplog.text
