"""The web chat in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

A whole booking on the full-page chat at bloom-salon — typing, an offered time picked
with its button, the read-back, "yes" — checked in the page and in the database, with a
screenshot kept as a test artifact (``test-artifacts/``); the page reloaded mid-way
resumes the conversation; the embeddable widget on a business's own page opens from its
bubble and answers; praxis-sommer's chat speaks German.

Without Chromium the tests are skipped with the reason — except under ``CI=true``, where
``.ci/run`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.http.app import build_app
from adapters.http.server import Server
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from tests.dbs import database_url

CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM") or shutil.which("chromium") or ""
ARTIFACTS = repo_path("test-artifacts")

if not CHROMIUM and os.environ.get("CI") != "true":
    pytest.skip("no chromium on this machine (apt install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture
async def site(tmp_path: Path, language) -> AsyncIterator[str]:
    """``frontdesk serve``'s application on a real port, plus a business's own page that
    embeds the widget with one script tag."""
    async with database_url(tmp_path) as db:
        app = await open_app(Settings(db=db, businesses=repo_path("examples", "businesses")),
                             language=language)
        web_app = build_app(Server(settings=app.settings, app=app))

        async def own_site(request: web.Request) -> web.Response:
            return web.Response(content_type="text/html", text=(
                "<!doctype html><html lang='en'><head><title>Bloom Hair Studio</title></head>"
                "<body><h1>Welcome to Bloom</h1>"
                "<script src='/widget.js' data-business='bloom-salon'></script></body></html>"))

        web_app.router.add_get("/test-site", own_site)
        server = TestServer(web_app, host="127.0.0.1")
        await server.start_server()
        try:
            yield str(server.make_url("")).rstrip("/")
        finally:
            await server.close()
            await app.close()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            await chromium.close()


async def say(page, text: str) -> str:
    """Type a message, send it, wait for the desk's answer; its text."""
    before = await page.locator(".fd-desk").count()
    await page.fill(".fd-form input", text)
    await page.click(".fd-form button[type=submit]")
    return await answer(page, before)


async def answer(page, before: int) -> str:
    await page.wait_for_function(
        "n => document.querySelectorAll('.fd-desk').length > n", arg=before, timeout=30_000)
    return str(await page.locator(".fd-desk").last.inner_text())


async def test_a_whole_booking_in_the_browser(site: str, browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site}/chat/bloom-salon")
    assert "Which day" in await say(page, "I'd like a men's cut with Alex")
    offer = await say(page, "next Wednesday")
    assert "I have these times" in offer
    buttons = page.locator(".fd-options button")
    assert await buttons.count() >= 2
    # a button says its time ("Wed 10:30am"; " · Alex" only when staff differ), not "2"
    label = str(await buttons.nth(1).inner_text())
    weekday, clock = label.split(" · ")[0].split(" ")
    assert weekday in offer and clock[:-2] in offer, (label, offer)
    # a reload mid-way: the session is kept and the history comes back
    await page.reload()
    await page.wait_for_function("() => document.querySelectorAll('.fd-desk').length >= 2",
                                 timeout=30_000)
    assert "I have these times" in await page.locator(".fd-desk").nth(1).inner_text()
    before = await page.locator(".fd-desk").count()
    await page.locator(".fd-options button", has_text=label).click()
    assert "name" in (await answer(page, before)).lower()
    assert "phone" in (await say(page, "Dana Whitfield")).lower()
    readback = await say(page, "503 555 0101")
    assert "Shall I book" in readback and "Dana Whitfield" in readback
    booked = await say(page, "yes")
    assert "You're booked" in booked
    assert f"{weekday} " in booked and f"{clock[:-2]} {clock[-2:]}" in booked, (label, booked)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "webchat-booking.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    customer = [str(t) for t in await page.locator(".fd-customer").all_inner_texts()]
    assert customer[:2] == ["I'd like a men's cut with Alex", "next Wednesday"]
    assert label in customer  # the button press shows as the customer's message


async def test_the_widget_on_a_business_site_opens_and_answers(site: str, browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site}/test-site")
    await page.click(".fd-bubble")
    reply = await say(page, "What are your opening hours?")
    assert "Tuesday" in reply or "9:00" in reply, reply


async def test_the_german_chat_speaks_german(site: str, browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{site}/chat/praxis-sommer")
    assert await page.get_attribute("html", "lang") == "de"
    assert await page.get_attribute(".fd-form input", "placeholder") == "Nachricht eingeben…"
    reply = await say(page, "Ich hätte gern einen Termin für eine Kontrolluntersuchung")
    assert "Tag" in reply or "Wann" in reply, reply
