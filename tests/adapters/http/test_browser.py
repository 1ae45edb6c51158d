"""The web chat in a real headless Chromium (Debian's ``chromium``, driven by Playwright), at
a desktop's width (1280×800) and a phone's (390×844).

A whole booking on the full-page chat at bloom-salon — typing, an offered time picked
with its button, the read-back, "yes" — checked in the page and in the database; the page
reloaded mid-way resumes the conversation. The greeting and its suggestions on open; a
bubble as wide as its words; the embeddable widget on a business's own page with its
``data-color``, ``data-greeting`` and ``data-position`` (and bad values refused); the
ended state and a new conversation; 16 px inputs; the favicon; a slot's time written the
same way on its button and in the reply; the page without JavaScript; the keyboard.

Screenshots go to ``test-artifacts/`` (``FRONTDESK_SCREENSHOTS=docs/screenshots`` writes
the README's pictures there instead).

Without Chromium the tests are skipped with the reason — except under ``CI=true``, where
``.ci/run`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
SHOTS = Path(os.environ.get("FRONTDESK_SCREENSHOTS") or ARTIFACTS)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

if not CHROMIUM and os.environ.get("CI") != "true":
    pytest.skip("no chromium on this machine (apt install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture
async def site(tmp_path: Path, language) -> AsyncIterator[str]:
    """``frontdesk serve``'s application on a real port, plus a business's own pages that
    embed the widget with one script tag (``/own-site?color=…&greeting=…&position=…``)."""
    async with database_url(tmp_path) as db:
        app = await open_app(
            Settings(db=db, businesses=repo_path("examples", "businesses")), language=language
        )
        web_app = build_app(Server(settings=app.settings, app=app))

        async def own_site(request: web.Request) -> web.Response:
            import html

            attrs = "".join(
                f' data-{key}="{html.escape(request.query[key])}"'
                for key in ("color", "greeting", "position", "lang")
                if key in request.query
            )
            return web.Response(
                content_type="text/html",
                text=(
                    "<!doctype html><html lang='en'><head><title>Bloom Hair Studio</title>"
                    "<meta name='viewport' content='width=device-width, initial-scale=1'></head>"
                    "<body><h1>Welcome to Bloom</h1>"
                    f"<script src='/widget.js' data-business='bloom-salon'{attrs}></script>"
                    "</body></html>"
                ),
            )

        web_app.router.add_get("/test-site", own_site)
        server = TestServer(web_app, host="127.0.0.1")
        await server.start_server()
        try:
            yield str(server.make_url("")).rstrip("/")
        finally:
            await server.close()
            await app.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_page(browser: Any, size: dict[str, int], **options: Any) -> Any:
    context = await browser.new_context(viewport=size, device_scale_factor=1, **options)
    return await context.new_page()


async def say(page: Any, text: str) -> str:
    """Type a message, send it, wait for the desk's answer; its text."""
    before = await page.locator(".fd-desk").count()
    await page.fill(".fd-form input[name=text]", text)
    await page.click(".fd-form button[type=submit]")
    return await answer(page, before)


async def answer(page: Any, before: int) -> str:
    await page.wait_for_function(
        "n => document.querySelectorAll('.fd-desk').length > n", arg=before, timeout=30_000
    )
    return str(await page.locator(".fd-desk").last.inner_text())


async def greeted(page: Any) -> None:
    """Wait until the script has taken the page over (the welcome frame came)."""
    await page.wait_for_function(
        "() => !!localStorage.getItem('frontdesk:bloom-salon:session') || "
        "!!localStorage.getItem('frontdesk:praxis-sommer:session')",
        timeout=30_000,
    )


async def box(page: Any, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


def _clock(label: str) -> str:
    """The time on a slot button: "10:30 am" of "Wed 10:30 am · Alex", "08:00" of
    "Do 08:00 · Dr. Weber"."""
    found = re.search(r"\d{1,2}:\d\d(?: am| pm)?", label)
    assert found, label
    return found.group(0)


async def test_a_whole_booking_in_the_browser(site: str, browser: Any) -> None:
    page = await open_page(browser, DESKTOP)
    await page.goto(f"{site}/chat/bloom-salon")
    await greeted(page)
    assert "Which day" in await say(page, "I'd like a men's cut with Alex")
    offer = await say(page, "next Wednesday")
    assert "I have these times" in offer
    buttons = page.locator(".fd-options button")
    assert await buttons.count() >= 2
    # a button says its time ("Wed 10:30 am"; " · Alex" only when staff differ), not
    # "2", and says it as the reply text does
    label = str(await buttons.nth(1).inner_text())
    weekday = label.split(" ")[0]
    assert re.fullmatch(r"\w{3} \d{1,2}:\d\d [ap]m", label.split(" · ")[0]), label
    assert weekday in offer and _clock(label) in offer, (label, offer)
    # a reload mid-way: the session is kept and the history comes back
    await page.reload()
    await page.wait_for_function(
        "() => document.querySelectorAll('.fd-desk').length >= 3", timeout=30_000
    )
    assert "I have these times" in await page.locator(".fd-desk").nth(2).inner_text()
    before = await page.locator(".fd-desk").count()
    await page.locator(".fd-options button", has_text=label).click()
    assert "name" in (await answer(page, before)).lower()
    assert "phone" in (await say(page, "Dana Whitfield")).lower()
    readback = await say(page, "503 555 0101")
    assert "Shall I book" in readback and "Dana Whitfield" in readback
    booked = await say(page, "yes")
    assert "You're booked" in booked
    assert f"{weekday} " in booked and _clock(label) in booked, (label, booked)
    customer = [str(t) for t in await page.locator(".fd-customer").all_inner_texts()]
    assert customer[:2] == ["I'd like a men's cut with Alex", "next Wednesday"]
    assert label in customer  # the button press shows as the customer's message
    # "yes" is a short bubble at the right, not a bar across the chat
    yes, log = await box(page, ".fd-customer >> nth=-1"), await box(page, ".fd-log")
    assert yes["width"] < 80 and yes["x"] + yes["width"] > log["x"] + log["width"] - 40, yes


async def test_the_chat_opens_with_a_greeting_and_a_suggestion_is_a_message(
    site: str, browser: Any
) -> None:
    page = await open_page(browser, PHONE)
    await page.goto(f"{site}/chat/bloom-salon")
    await greeted(page)
    greeting = page.locator(".fd-greeting")
    assert "How can I help" in await greeting.inner_text()
    suggestions = page.locator(".fd-suggestions button")
    assert await suggestions.all_inner_texts() == [
        "Book an appointment",
        "Reschedule an appointment",
        "Cancel an appointment",
        "Opening hours",
        "Leave a message",
    ]
    await shoot(page, "greeting-phone.png", full_page=False)
    before = await page.locator(".fd-desk").count()
    await page.locator(".fd-suggestions button", has_text="Opening hours").click()
    reply = await answer(page, before)
    assert "opening hours" in reply.lower() and "Tue" in reply, reply
    assert await page.locator(".fd-customer").all_inner_texts() == ["Opening hours"]
    assert await page.locator(".fd-suggestions").count() == 0
    # German-first business: the greeting and its suggestions are German
    praxis = await open_page(browser, PHONE)
    await praxis.goto(f"{site}/chat/praxis-sommer")
    await greeted(praxis)
    assert "Wie kann ich Ihnen helfen" in await praxis.locator(".fd-greeting").inner_text()
    assert (await praxis.locator(".fd-suggestions button").all_inner_texts())[
        0
    ] == "Termin vereinbaren"


async def test_bubbles_fit_their_words_at_desktop_and_phone_width(site: str, browser: Any) -> None:
    for size in (DESKTOP, PHONE):
        page = await open_page(browser, size)
        await page.goto(f"{site}/chat/bloom-salon")
        await greeted(page)
        await say(page, "What are your opening hours?")
        await say(page, "yes")
        log = await box(page, ".fd-log")
        short = await box(page, ".fd-customer >> nth=-1")
        assert short["width"] < 80, (size, short)  # "yes": narrow, not 80 % of the chat
        for i in range(await page.locator(".fd-msg").count()):
            bubble = await box(page, f".fd-msg >> nth={i}")
            assert bubble["width"] <= log["width"] * 0.86 + 1, (size, i, bubble)
            assert (
                bubble["x"] >= log["x"] and bubble["x"] + bubble["width"] <= log["x"] + log["width"]
            ), (size, i)
        wide = max(
            [
                (await box(page, f".fd-desk >> nth={i}"))["width"]
                for i in range(await page.locator(".fd-desk").count())
            ]
        )
        assert wide > short["width"] * 3  # a long answer is wider than "yes"
        # nothing overflows the screen sideways
        assert await page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        # 16 px in the message box: phones do not zoom in on focus
        assert (
            await page.eval_on_selector(
                ".fd-form input[name=text]", "e => getComputedStyle(e).fontSize"
            )
            == "16px"
        )


async def test_the_widget_takes_the_site_s_colour_greeting_and_corner(
    site: str, browser: Any
) -> None:
    page = await open_page(browser, DESKTOP)
    await page.goto(
        f"{site}/test-site?color=%23E4572E&position=bottom-left"
        "&greeting=Hi%20from%20Bloom!%20<b>bold</b>"
    )
    launcher = page.locator(".fd-launcher")
    assert await launcher.get_attribute("aria-expanded") == "false"
    color = await launcher.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(228, 87, 46)", color
    spot = await box(page, ".fd-launcher")
    assert spot["x"] <= 24 and spot["y"] + spot["height"] >= 800 - 24, spot  # bottom left
    await launcher.click()
    assert await launcher.get_attribute("aria-expanded") == "true"
    await page.wait_for_selector(".fd-suggestions button")
    greeting = page.locator(".fd-greeting")
    assert await greeting.inner_text() == "Hi from Bloom! <b>bold</b>"  # text, not markup
    assert await page.locator(".fd-greeting b").count() == 0
    panel = await box(page, ".fd-panel")
    assert panel["x"] <= 24, panel
    assert (
        await page.eval_on_selector(
            ".fd-form input[name=text]", "e => getComputedStyle(e).fontSize"
        )
        == "16px"
    )
    reply = await say(page, "What are your opening hours?")
    assert "Tuesday" in reply or "Tue" in reply, reply
    # the text on the accent colour is whichever of white or black reads better
    ink = await page.locator(".fd-customer").evaluate("e => getComputedStyle(e).color")
    assert ink == "rgb(17, 20, 24)", ink  # this orange is light: dark text
    await shoot(page, "widget-desktop.png", full_page=False)

    # a colour that is not #rgb/#rrggbb is refused: the default, and no CSS from it
    hostile = await open_page(browser, PHONE)
    await hostile.goto(f"{site}/test-site?color=red;}}body{{display:none}}&position=top-middle")
    launcher = hostile.locator(".fd-launcher")
    assert await launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 92, 173)"
    assert await hostile.evaluate("getComputedStyle(document.body).display") == "block"
    spot = await box(hostile, ".fd-launcher")
    assert spot["x"] + spot["width"] >= 390 - 24  # an unknown corner: bottom right
    await launcher.click()
    await hostile.wait_for_selector(".fd-suggestions button")
    assert "How can I help" in await hostile.locator(".fd-greeting").inner_text()
    panel = await box(hostile, ".fd-panel")
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 390, panel
    await shoot(hostile, "widget-phone.png", full_page=False)


async def test_the_widget_works_from_the_keyboard(site: str, browser: Any) -> None:
    page = await open_page(browser, DESKTOP)
    await page.goto(f"{site}/test-site")
    await page.focus(".fd-launcher")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".fd-suggestions button")
    assert await page.evaluate("document.activeElement.name") == "text"  # the message box
    await page.keyboard.type("What are your opening hours?")
    before = await page.locator(".fd-desk").count()
    await page.keyboard.press("Enter")
    await answer(page, before)
    await page.keyboard.press("Escape")
    assert await page.locator(".fd-panel").is_hidden()
    assert await page.evaluate("document.activeElement.className") == "fd-launcher"
    label = (
        await page.get_attribute(".fd-form input[name=text]", "aria-label")
        or await page.locator(".fd-form label").inner_text()
    )
    assert label == "Your message"


async def test_the_ended_state_closes_the_input_and_starts_a_new_conversation(
    site: str, browser: Any
) -> None:
    page = await open_page(browser, PHONE)
    await page.goto(f"{site}/chat/bloom-salon")
    await greeted(page)
    first = await page.evaluate("localStorage.getItem('frontdesk:bloom-salon:session')")
    await say(page, "When are you open?")
    await say(page, "Thanks, bye!")
    again = page.locator(".fd-ended button")
    await again.wait_for(state="visible")
    assert await again.inner_text() == "Start a new conversation"
    assert await page.locator(".fd-form").is_hidden()
    assert await page.locator(".fd-form input[name=text]").is_disabled()
    assert "The conversation has ended." in await page.locator(".fd-ended").inner_text()
    assert await page.evaluate("document.activeElement.className") == "fd-again"
    await shoot(page, "ended-phone.png", full_page=False)
    # a reload keeps the ended state
    await page.reload()
    await page.locator(".fd-ended button").wait_for(state="visible")
    assert await page.locator(".fd-form").is_hidden()
    await page.locator(".fd-ended button").click()
    await page.locator(".fd-suggestions button").first.wait_for()
    assert await page.locator(".fd-form input[name=text]").is_visible()
    assert await page.locator(".fd-msg").count() == 1  # the greeting alone
    second = await page.evaluate("localStorage.getItem('frontdesk:bloom-salon:session')")
    assert second and second != first
    reply = await say(page, "What are your opening hours?")
    assert reply and await page.locator(".fd-customer").count() == 1


async def test_the_page_icon_and_the_german_time_on_a_button_and_in_the_text(
    site: str, browser: Any
) -> None:
    page = await open_page(browser, PHONE)
    icon = await page.request.get(f"{site}/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/x-icon"
    await page.goto(f"{site}/chat/praxis-sommer")
    assert await page.get_attribute("html", "lang") == "de"
    assert await page.locator("link[rel=icon]").count() == 2
    await greeted(page)
    assert (
        await page.get_attribute(".fd-form input[name=text]", "placeholder")
        == "Nachricht eingeben…"
    )
    reply = await say(page, "Ich hätte gern einen Termin für eine Kontrolluntersuchung")
    assert "Tag" in reply or "Wann" in reply, reply
    offer = await say(page, "nächsten Donnerstag")
    labels = [str(t) for t in await page.locator(".fd-options button").all_inner_texts()]
    assert len(labels) >= 2, (offer, labels)
    for label in labels:  # "Do 08:00 · Dr. Weber" offered as "Do., 10.12. um 08:00 Uhr …"
        assert re.fullmatch(r"\d\d:\d\d", _clock(label)), label
        assert f"um {_clock(label)} Uhr" in offer, (label, offer)
    await shoot(page, "webchat-phone-de.png", full_page=False)


async def test_the_page_works_without_javascript(site: str, browser: Any) -> None:
    page = await open_page(browser, DESKTOP, java_script_enabled=False)
    await page.goto(f"{site}/chat/bloom-salon")
    assert await page.locator(".fd-greeting").is_visible()
    await page.locator(".fd-suggestions button", has_text="Book an appointment").click()
    await page.wait_for_load_state()
    assert await page.locator(".fd-customer").all_inner_texts() == ["Book an appointment"]
    await page.fill(".fd-form input[name=text]", "A men's cut with Alex next Wednesday")
    await page.click(".fd-form button[type=submit]")
    await page.wait_for_load_state()
    assert "I have these times" in await page.locator(".fd-desk").last.inner_text()
    label = str(await page.locator(".fd-options button").first.inner_text())
    await page.locator(".fd-options button").first.click()
    await page.wait_for_load_state()
    assert (await page.locator(".fd-customer").all_inner_texts())[-1] == label
    assert "name" in (await page.locator(".fd-desk").last.inner_text()).lower()


async def test_screenshots_of_an_offer_at_desktop_and_phone_width(site: str, browser: Any) -> None:
    """The pictures the README shows: a conversation offering times, on both widths."""
    for size, name in ((DESKTOP, "webchat-desktop.png"), (PHONE, "webchat-phone.png")):
        page = await open_page(browser, size)
        await page.goto(f"{site}/chat/bloom-salon")
        await greeted(page)
        before = await page.locator(".fd-desk").count()
        await page.locator(".fd-suggestions button", has_text="Book an appointment").click()
        await answer(page, before)
        await say(page, "A men's cut with Alex")
        offer = await say(page, "next Wednesday afternoon")
        labels = await page.locator(".fd-options button").all_inner_texts()
        assert labels and all(
            re.search(r"\d [ap]m", str(label)) and _clock(str(label)) in offer for label in labels
        ), (labels, offer)
        await shoot(page, name, full_page=False)


async def shoot(page: Any, name: str, *, full_page: bool) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / name
    await page.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 5_000
