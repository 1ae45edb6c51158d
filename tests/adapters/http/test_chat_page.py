"""The full-page chat without JavaScript: plain forms over real HTTP against a real App
(the offline language backend, a database of this run's kind). A message, a pressed
suggestion and a pressed option each run one turn; the page shows the conversation; a
post from another site is refused; the ended state offers a new conversation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.http.app import build_app
from adapters.http.chat_page import render_chat
from adapters.http.greeting import Greeting
from adapters.http.server import Server
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from tests.dbs import database_url

PAGE = "/chat/bloom-salon"


@asynccontextmanager
async def served(tmp_path: Path, language: Any) -> AsyncIterator[tuple[TestClient, Server]]:
    async with database_url(tmp_path) as url:
        app = await open_app(
            Settings(
                db=url, businesses=repo_path("examples", "businesses"), cache_dir=tmp_path / "cache"
            ),
            language=language,
        )
        server = Server(settings=app.settings, app=app)
        client = TestClient(TestServer(build_app(server)))
        await client.start_server()
        try:
            yield client, server
        finally:
            await client.close()
            await app.close()


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return found.group(1)


async def _post(client: TestClient, page: str, **fields: str) -> ClientResponse:
    data = {"csrf": _field(page, "csrf"), "id": _field(page, "id"), **fields}
    return await client.post(f"{PAGE}?lang=en", data=data, allow_redirects=False)


async def _bubbles(client: TestClient) -> tuple[str, list[tuple[str, str]]]:
    page = await (await client.get(PAGE)).text()
    found = re.findall(r'<p class="fd-msg (fd-desk|fd-customer)[^"]*"[^>]*>([^<]*)</p>', page)
    return page, [(who[3:], text) for who, text in found]


async def test_a_conversation_without_javascript(tmp_path: Path, language: Any) -> None:
    async with served(tmp_path, language) as (client, server):
        first = await client.get(PAGE)
        page = await first.text()
        assert first.status == 200 and "fd_csrf" in first.cookies
        # the greeting and the suggestions, as forms that post their own text
        assert 'class="fd-msg fd-desk fd-greeting"' in page
        assert '<button type="submit" name="text" value="Book an appointment">' in page
        assert '<label class="fd-sr" for="fd-input">Your message</label>' in page
        assert await server.app.store.list_conversations("bloom-salon") == []

        sent = await _post(client, page, text="Book an appointment")  # a suggestion
        assert sent.status == 303 and sent.headers["Location"].endswith("#fd-latest")
        page, bubbles = await _bubbles(client)
        assert bubbles[1] == ("customer", "Book an appointment")
        assert bubbles[2][0] == "desk" and "fd-suggestions" not in page

        await _post(client, page, text="A men's cut with Alex next Wednesday")
        page, bubbles = await _bubbles(client)
        assert "I have these times" in bubbles[-1][1], bubbles
        options = re.findall(r'name="choice" value="([^"]*)"', page)
        assert len(options) >= 2, page
        await _post(client, page, choice=options[0])  # a pressed option
        page, bubbles = await _bubbles(client)
        assert bubbles[-2] == ("customer", options[0]) and "name" in bubbles[-1][1].lower()

        [conv] = await server.app.store.list_conversations("bloom-salon")
        assert conv.turns == 3
        turns = await server.app.store.turns(conv.id)
        assert turns[-1].record["event"]["payload"] == {"value": options[0]}


async def test_the_ended_state_and_a_new_conversation(tmp_path: Path, language: Any) -> None:
    async with served(tmp_path, language) as (client, server):
        page = await (await client.get(PAGE)).text()
        await _post(client, page, text="When are you open?")
        page = await (await client.get(PAGE)).text()
        await _post(client, page, text="Thank you, goodbye")
        page = await (await client.get(PAGE)).text()
        # the message box is closed, "start a new conversation" is open
        assert re.search(r'<form class="fd-form"[^>]* hidden>', page), page
        assert re.search(
            r'<form class="fd-ended" method="post" action="/chat/bloom-salon/new'
            r'\?lang=en">',
            page,
        ), page
        assert "The conversation has ended." in page
        again = await client.post(
            f"{PAGE}/new?lang=en",
            allow_redirects=False,
            data={"csrf": _field(page, "csrf"), "id": "x"},
        )
        assert again.status == 303
        page, bubbles = await _bubbles(client)
        assert len(bubbles) == 1 and "fd-suggestions" in page  # the greeting alone
        await _post(client, page, text="What are your opening hours?")
        assert len(await server.app.store.list_conversations("bloom-salon")) == 2


async def test_forged_empty_and_long_posts_get_an_error_next_to_the_field(
    tmp_path: Path, language: Any
) -> None:
    async with served(tmp_path, language) as (client, server):
        page = await (await client.get(PAGE)).text()
        forged = await client.post(
            PAGE, data={"csrf": "not-the-cookie", "id": "a", "text": "hello"}, allow_redirects=False
        )
        assert forged.status == 403
        for token in ("é-not-the-cookie", "€"):  # compare_digest refused non-ASCII: a 500
            assert (
                await client.post(
                    PAGE, data={"csrf": token, "id": "a", "text": "hi"}, allow_redirects=False
                )
            ).status == 403, token
        body = await forged.text()
        assert 'role="alert">This page had expired.' in body
        assert 'aria-describedby="fd-error"' in body
        empty = await _post(client, page, text="   ")
        assert empty.status == 400 and "Please write a message first." in await empty.text()
        long = await _post(client, page, text="a" * 2001)
        assert long.status == 400 and "too long" in await long.text()
        other = TestClient(TestServer(client.app))  # a visitor without our cookie
        await other.start_server()
        try:
            refused = await other.post(
                PAGE,
                data={"csrf": _field(page, "csrf"), "id": "b", "text": "hi"},
                allow_redirects=False,
            )
            assert refused.status == 403
        finally:
            await other.close()
        assert await server.app.store.list_conversations("bloom-salon") == []


def test_what_anyone_wrote_is_escaped() -> None:
    evil = '<img src=x onerror="alert(1)">'
    markup = render_chat(
        "bloom-salon",
        f"Bloom {evil}",
        evil,
        "en",
        Greeting(lang="en", text=f"Hi {evil}", suggestions=(evil,)),
        [
            {"from": "customer", "text": evil},
            {"from": "desk", "text": evil, "options": [evil], "end": False},
        ],
        token='"><script>',
        session="s",
    )
    assert "<img" not in markup and "<script" not in markup
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup
