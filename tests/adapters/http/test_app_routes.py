"""The served application offers every channel's routes (the app factory wires them)."""

from __future__ import annotations

from pathlib import Path

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
