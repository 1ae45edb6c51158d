"""The web chat's pages, rendered on the server: the list of businesses and a business's
full-page chat, which works before (and without) its JavaScript.

Without JavaScript the chat is plain HTML forms: the message box and every button post to
``/chat/{business}``; the turn runs, and the browser is sent back to the page (post,
redirect, get), which shows the conversation so far. The session (an id the server
issued, see ``sessions``) is a cookie of that page's path; a double-submit cookie guards every form against posts from other sites.
With JavaScript (``/widget.js``) the same markup is taken over and talks over the socket
instead; both show a conversation the same way (greeting, bubbles, buttons, ended state).

Everything a visitor or the business wrote is escaped (``html.escape``); nothing else
reaches the markup.
"""

from __future__ import annotations

import html
import re
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from engine.ports import InboundEvent

from .channel import client_key
from .greeting import Greeting, chat_language, greeting
from .limits import KeyedWindow
from .server import SERVER, Server

MAX_TEXT = 2000  # characters in one message
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "fd_session"
# new sessions per client address (the sessions_per_address cap; set up by webchat.setup)
NEW_SESSIONS = web.AppKey("frontdesk.webchat.new_sessions", KeyedWindow)
CSRF_COOKIE = "fd_csrf"

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Chat with {name}",
        "businesses": "Our businesses",
        "languages": "Languages",
        "open": "Chat with us",
        "close": "Close the chat",
        "message": "Your message",
        "placeholder": "Type a message…",
        "send": "Send",
        "typing": "typing…",
        "offline": "Reconnecting…",
        "ended": "The conversation has ended.",
        "again": "Start a new conversation",
        "suggestions": "Things I can help with",
        "options": "Choose an answer",
        "empty": "Please write a message first.",
        "long": "That message is too long; please keep it under 2,000 characters.",
        "expired": "This page had expired. Please send your message again.",
        "busy": "Too many messages at once; please wait a moment.",
    },
    "de": {
        "title": "Chat mit {name}",
        "businesses": "Unsere Betriebe",
        "languages": "Sprachen",
        "open": "Chatten Sie mit uns",
        "close": "Chat schließen",
        "message": "Ihre Nachricht",
        "placeholder": "Nachricht eingeben…",
        "send": "Senden",
        "typing": "schreibt…",
        "offline": "Verbindung wird wiederhergestellt…",
        "ended": "Das Gespräch ist beendet.",
        "again": "Neues Gespräch beginnen",
        "suggestions": "Womit ich helfen kann",
        "options": "Antwort wählen",
        "empty": "Bitte schreiben Sie zuerst eine Nachricht.",
        "long": "Die Nachricht ist zu lang; bitte höchstens 2.000 Zeichen.",
        "expired": "Die Seite war abgelaufen. Bitte senden Sie Ihre Nachricht noch einmal.",
        "busy": "Zu viele Nachrichten auf einmal; bitte warten Sie einen Moment.",
    },
}


@cache
def stylesheet() -> str:
    return (STATIC / "chat.css").read_text(encoding="utf-8")


def _server(request: web.Request) -> Server:
    return request.app[SERVER]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def page(lang: str, title: str, body: str, *, style: str = "") -> web.Response:
    return web.Response(
        content_type="text/html",
        charset="utf-8",
        text=(
            f'<!doctype html>\n<html lang="{_esc(lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title>"
            '<link rel="icon" href="/favicon.svg" type="image/svg+xml">'
            '<link rel="icon" href="/favicon.ico" sizes="32x32">'
            "<style>body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}"
            "main.fd-list{max-width:44rem;margin:0 auto;padding:1.5rem}"
            f".fd-list li{{margin:.6rem 0}}.fd-list a{{color:#0b5cad}}{style}</style></head>"
            f"<body>{body}</body></html>\n"
        ),
    )


async def index(request: web.Request) -> web.Response:
    brains = _server(request).app.brains
    ui = UI["en"]
    items = []
    for slug, brain in sorted(brains.items()):
        b = brain.business
        city = f" · {_esc(b.city)}" if b.city else ""
        items.append(
            f'<li><a href="/chat/{_esc(slug)}">{_esc(b.name)}</a>{city}'
            f" · {ui['languages']}: {_esc(', '.join(b.languages))}</li>"
        )
    return page(
        "en",
        "frontdesk",
        f'<main class="fd-list"><h1>{ui["businesses"]}</h1><ul>{"".join(items)}</ul></main>',
    )


# ------------------------------------------------------------------ the conversation


def open_session(server: Server, slug: str, asked: object) -> tuple[str, str, bool]:
    """The session id to hand the client, the conversation's sender, and whether ``asked``
    was good: an id this server issued for ``slug`` and not expired resumes its
    conversation; anything else gets a fresh id (and so a new conversation, no history)."""
    now = server.sessions.clock()
    sender = server.sessions.verify(asked, slug, now)
    if sender is not None and isinstance(asked, str):
        return asked, sender, True
    token = server.sessions.issue(slug, now)
    return token, token.split(".", 1)[0], False


async def conversation_view(server: Server, business: str, session: str) -> list[dict[str, Any]]:
    """The stored turns of the session's conversation, as the chat shows them: the
    customer's words, then the desk's reply with its buttons and whether it ended the
    conversation."""
    if not SESSION.match(session):
        return []
    store = server.app.store
    conv = await store.find_conversation(business, "webchat", session)
    if conv is None:
        return []
    out: list[dict[str, Any]] = []
    for turn in await store.turns(conv.id):
        record = turn.record
        if "erased" in record:  # its words are gone (retention, erasure)
            continue
        event, reply = record.get("event", {}), record.get("reply", {})
        said = event.get("text") or (event.get("payload") or {}).get("value", "")
        plan = (record.get("decision") or {}).get("plan") or {}
        out.append({"from": "customer", "text": said})
        out.append(
            {
                "from": "desk",
                "text": reply.get("text", ""),
                "options": list(reply.get("options") or ()),
                "end": bool(plan.get("end_conversation")),
            }
        )
    return out


def _buttons(
    action: str,
    token: str,
    name: str,
    values: list[str] | tuple[str, ...],
    label: str,
    extra: str = "",
) -> str:
    """A group of buttons, each posting its own text (``name`` = the text)."""
    buttons = "".join(
        f'<button type="submit" name="{name}" value="{_esc(v)}">{_esc(v)}</button>' for v in values
    )
    return (
        f'<form class="fd-options{extra}" method="post" action="{_esc(action)}" '
        f'role="group" aria-label="{_esc(label)}">{_hidden(token)}{buttons}</form>'
    )


def _hidden(token: str) -> str:
    return (
        f'<input type="hidden" name="csrf" value="{_esc(token)}">'
        f'<input type="hidden" name="id" value="{secrets.token_urlsafe(9)}">'
    )


def render_chat(
    slug: str,
    name: str,
    city: str,
    lang: str,
    hello: Greeting,
    view: list[dict[str, Any]],
    token: str,
    session: str,
    error: str = "",
) -> str:
    """The chat's markup (the JavaScript takes it over; see ``static/chat.js``)."""
    ui = UI.get(lang, UI["en"])
    action = f"/chat/{quote(slug)}?lang={quote(lang)}"
    log = [f'<p class="fd-msg fd-desk fd-greeting">{_esc(hello.text)}</p>']
    if not view and hello.suggestions:
        log.append(
            _buttons(action, token, "text", hello.suggestions, ui["suggestions"], " fd-suggestions")
        )
    for i, item in enumerate(view):
        last = i == len(view) - 1
        anchor = ' id="fd-latest"' if last else ""
        who = "fd-customer" if item["from"] == "customer" else "fd-desk"
        log.append(f'<p class="fd-msg {who}"{anchor}>{_esc(item["text"])}</p>')
        if last and item["from"] == "desk" and item.get("options") and not item.get("end"):
            log.append(_buttons(action, token, "choice", item["options"], ui["options"]))
    ended = bool(view) and bool(view[-1].get("end"))
    problem = f'<p class="fd-error" id="fd-error" role="alert">{_esc(error)}</p>' if error else ""
    described = ' aria-describedby="fd-error"' if error else ""
    form = (
        f'<form class="fd-form" method="post" action="{_esc(action)}"{" hidden" if ended else ""}>'
        f'{_hidden(token)}<label class="fd-sr" for="fd-input">{_esc(ui["message"])}</label>'
        f'<input id="fd-input" name="text" type="text" maxlength="{MAX_TEXT}" '
        f'autocomplete="off" placeholder="{_esc(ui["placeholder"])}"{described}>'
        f'<button class="fd-send" type="submit">{_esc(ui["send"])}</button></form>'
    )
    again = (
        f'<form class="fd-ended" method="post" action="/chat/{quote(slug)}/new?lang='
        f'{quote(lang)}"{"" if ended else " hidden"}>{_hidden(token)}'
        f"<p>{_esc(ui['ended'])}</p>"
        f'<button class="fd-again" type="submit">{_esc(ui["again"])}</button></form>'
    )
    sub = f'<span class="fd-sub">{_esc(city)}</span>' if city else ""
    title = ui["title"].format(name=name)
    return (
        f'<div class="fd-root fd-page" data-session="{_esc(session)}">'
        f'<section class="fd-panel" aria-label="{_esc(title)}">'
        f'<header class="fd-head"><h1 class="fd-title">{_esc(title)}{sub}</h1></header>'
        f'<div class="fd-log" role="log" aria-live="polite">{"".join(log)}</div>'
        f"{problem}{form}{again}</section></div>"
    )


def _token(request: web.Request) -> tuple[str, bool]:
    """The visitor's anti-forgery token, and whether it is new (to be set as a cookie)."""
    known = request.cookies.get(CSRF_COOKIE, "")
    if SESSION.match(known):
        return known, False
    return secrets.token_urlsafe(18), True


def _cookie(
    response: web.StreamResponse, slug: str, name: str, value: str, max_age: int = 30 * 24 * 3600
) -> None:
    response.set_cookie(
        name, value, path=f"/chat/{slug}", httponly=True, samesite="Lax", max_age=max_age
    )


async def _render(
    request: web.Request, slug: str, lang: str, error: str = "", status: int = 200
) -> web.Response:
    server = _server(request)
    brain = server.brain(slug)
    b = brain.business
    session, sender = request.cookies.get(SESSION_COOKIE, ""), ""
    if session:
        session, sender, resumed = open_session(server, slug, session)
        session = session if resumed else ""
    view = await conversation_view(server, slug, sender) if sender else []
    token, fresh = _token(request)
    ui = UI.get(lang, UI["en"])
    body = render_chat(
        slug, b.name, b.city, lang, greeting(brain, lang), view, token, session, error
    )
    script = (
        f'<script src="/widget.js" data-business="{_esc(slug)}" data-lang="{_esc(lang)}" '
        'data-mode="page" defer></script>'
    )
    response = page(lang, ui["title"].format(name=b.name), body + script, style=stylesheet())
    response.set_status(status)
    if fresh:
        _cookie(response, slug, CSRF_COOKIE, token)
    return response


async def chat_page(request: web.Request) -> web.Response:
    slug = request.match_info["business"]
    lang = chat_language(_server(request).brain(slug), request.query.get("lang"))
    return await _render(request, slug, lang)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _forged(request: web.Request, form: Any) -> bool:
    sent, kept = form.get("csrf"), request.cookies.get(CSRF_COOKIE, "")
    if not (isinstance(sent, str) and kept):
        return True
    # as bytes: compare_digest refuses str with non-ASCII characters (TypeError, a 500)
    return not secrets.compare_digest(
        sent.encode("utf-8", "surrogatepass"), kept.encode("utf-8", "surrogatepass")
    )


def new_session_allowed(request: web.Request, address: str) -> bool:
    """Whether ``address`` may start another conversation now (the ``sessions_per_address``
    cap, shared with the socket; counted only when the web chat is set up)."""
    window = request.app.get(NEW_SESSIONS)
    return window is None or window.take(address)


def chat_event(
    slug: str, session: str, kind: str, text: str, cid: str, lang: str | None
) -> InboundEvent:
    """A web-chat message (``kind`` "message") or pressed button ("choice") as the desk
    takes it; the page's or the socket's message id makes a resent one a duplicate."""
    return InboundEvent(
        business=slug,
        channel="webchat",
        sender=session,
        text=text,
        payload={"value": text} if kind == "choice" else {},
        provider_msg_id=f"web-{session}-{cid}",
        received_at=datetime.now(UTC),
        lang_hint=lang,
    )


async def post_message(request: web.Request) -> web.StreamResponse:
    """A message or a pressed button from the chat without JavaScript: one turn, then
    back to the page (303), where the reply is shown."""
    server = _server(request)
    slug = request.match_info["business"]
    lang = chat_language(server.brain(slug), request.query.get("lang"))
    ui = UI.get(lang, UI["en"])
    form = await request.post()
    if _forged(request, form):
        return await _render(request, slug, lang, ui["expired"], 403)
    kind = "choice" if "choice" in form else "message"
    text, cid = form.get(kind if kind == "choice" else "text"), form.get("id")
    if not isinstance(text, str) or not text.strip():
        return await _render(request, slug, lang, ui["empty"], 400)
    if len(text) > MAX_TEXT:
        return await _render(request, slug, lang, ui["long"], 400)
    if not isinstance(cid, str) or not CLIENT_ID.match(cid):
        return await _render(request, slug, lang, ui["expired"], 400)
    address = client_key(request, server.settings.trusted_proxies)
    session, sender, resumed = open_session(server, slug, request.cookies.get(SESSION_COOKIE, ""))
    if not resumed and not new_session_allowed(request, address):
        return await _render(request, slug, lang, ui["busy"], 429)
    event = chat_event(slug, sender, kind, text, cid, lang)
    reply = await server.inbound(event, direct=True, address=address)
    if reply is None:  # rate limited
        return await _render(request, slug, lang, ui["busy"], 429)
    response = _see_other(f"/chat/{quote(slug)}?lang={quote(lang)}#fd-latest")
    _cookie(response, slug, SESSION_COOKIE, session, server.sessions.ttl_s)
    return response


async def new_conversation(request: web.Request) -> web.StreamResponse:
    """Forget the session: the next message starts a fresh conversation."""
    server = _server(request)
    slug = request.match_info["business"]
    lang = chat_language(server.brain(slug), request.query.get("lang"))
    form = await request.post()
    if _forged(request, form):
        return await _render(request, slug, lang, UI.get(lang, UI["en"])["expired"], 403)
    response = _see_other(f"/chat/{quote(slug)}?lang={quote(lang)}")
    response.del_cookie(SESSION_COOKIE, path=f"/chat/{slug}")
    return response


# ------------------------------------------------------------------ the favicon


async def favicon_svg(request: web.Request) -> web.Response:
    return web.Response(
        body=(STATIC / "favicon.svg").read_bytes(),
        content_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def favicon_ico(request: web.Request) -> web.Response:
    return web.Response(
        body=(STATIC / "favicon.ico").read_bytes(),
        content_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


__all__ = [
    "CLIENT_ID",
    "MAX_TEXT",
    "NEW_SESSIONS",
    "SESSION",
    "UI",
    "chat_page",
    "conversation_view",
    "favicon_ico",
    "favicon_svg",
    "index",
    "new_conversation",
    "open_session",
    "page",
    "post_message",
    "render_chat",
    "stylesheet",
]
