"""The web chat: a page listing the businesses, a full-page chat, an embeddable widget and the
WebSocket they talk over.

Protocol (JSON text frames). Client → server: first
``{"type": "hello", "session": "<id or empty>", "lang": "en" | "de" | null}``, then
``{"type": "message", "id": "<client msg id>", "text": "..."}`` or
``{"type": "choice", "id": "...", "value": "<option text>"}`` (a button press).
Server → client: ``{"type": "welcome", "session", "business", "history"}`` (history: the
stored turns of the session's conversation, so a reconnect resumes it),
``{"type": "typing"}`` before each turn, ``{"type": "reply", "in_reply_to", "text",
"options", "end"}``, and ``{"type": "error", "error"}`` for a frame it cannot use (the
socket stays open). The session id is the event's sender; the provider message id is
``web-{session}-{client id}``, so a frame re-sent after a reconnect is one turn.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from adapters.outbox import Sender
from engine.ports import InboundEvent, OutboxRow

from .server import SERVER, Server

log = structlog.get_logger("frontdesk.webchat")

MAX_TEXT = 2000  # characters in one message
SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SCRIPT = Path(__file__).with_name("static") / "chat.js"
SOCKETS = web.AppKey("frontdesk.webchat.sockets", set[web.WebSocketResponse])

UI = {
    "en": {"title": "Chat with {name}", "businesses": "Our businesses",
           "open": "Open the chat", "noscript": "The chat needs JavaScript.",
           "languages": "Languages"},
    "de": {"title": "Chat mit {name}", "businesses": "Unsere Betriebe",
           "open": "Chat öffnen", "noscript": "Der Chat braucht JavaScript.",
           "languages": "Sprachen"},
}


class BadFrame(ValueError):
    pass


def routes(server: Server) -> list[web.RouteDef]:
    return [web.get("/", index), web.get("/chat/{business}", chat_page),
            web.get("/widget.js", widget), web.get("/ws/{business}", socket)]


def setup(app: web.Application) -> None:
    """Keep track of open sockets, and close them when the server shuts down (after the
    turn each is answering, if any, has finished)."""
    app[SOCKETS] = set()

    async def close_sockets(app: web.Application) -> None:
        sockets: set[web.WebSocketResponse] = app[SOCKETS]
        for ws in list(sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    app.on_shutdown.append(close_sockets)


def _server(request: web.Request) -> Server:
    return request.app[SERVER]


def _page(lang: str, title: str, body: str) -> web.Response:
    return web.Response(content_type="text/html", charset="utf-8", text=(
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}"
        "main{max-width:44rem;margin:0 auto;padding:1.5rem}"
        "li{margin:.6rem 0}a{color:#0b5cad}</style></head>"
        f"<body>{body}</body></html>\n"))


async def index(request: web.Request) -> web.Response:
    brains = _server(request).app.brains
    ui = UI["en"]
    items = []
    for slug, brain in sorted(brains.items()):
        b = brain.business
        city = f" · {html.escape(b.city)}" if b.city else ""
        items.append(f'<li><a href="/chat/{html.escape(slug)}">{html.escape(b.name)}</a>{city}'
                     f' · {ui["languages"]}: {html.escape(", ".join(b.languages))}</li>')
    return _page("en", "frontdesk", f'<main><h1>{ui["businesses"]}</h1><ul>'
                 f'{"".join(items)}</ul></main>')


async def chat_page(request: web.Request) -> web.Response:
    server = _server(request)
    slug = request.match_info["business"]
    b = server.brain(slug).business
    asked = request.query.get("lang", "")
    lang = asked if asked in b.languages else b.languages[0]
    ui = UI.get(lang, UI["en"])
    title = ui["title"].format(name=b.name)
    return _page(lang, title, (
        f'<noscript>{html.escape(ui["noscript"])}</noscript>'
        f'<script src="/widget.js" data-business="{html.escape(slug)}" data-lang="{lang}" '
        f'data-mode="page" data-title="{html.escape(title)}"></script>'))


async def widget(request: web.Request) -> web.Response:
    return web.Response(text=SCRIPT.read_text(encoding="utf-8"),
                        content_type="application/javascript", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=300",
                                 "Access-Control-Allow-Origin": "*"})


# ---------------------------------------------------------------------- the socket


def _parse(raw: str) -> dict[str, Any]:
    try:
        frame = json.loads(raw)
    except ValueError as e:
        raise BadFrame("not JSON") from e
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame("a frame is a JSON object with a type")
    return frame


def _text_of(frame: dict[str, Any]) -> tuple[str, str]:
    """The client id and the text of a message or choice frame."""
    cid = frame.get("id")
    if not isinstance(cid, str) or not CLIENT_ID.match(cid):
        raise BadFrame("id must be 1-64 letters, digits or -_.:")
    text = frame.get("text" if frame["type"] == "message" else "value")
    if not isinstance(text, str) or not text.strip():
        raise BadFrame("text must be a non-empty string" if frame["type"] == "message"
                       else "value must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise BadFrame(f"text longer than {MAX_TEXT} characters")
    return cid, text


async def _history(server: Server, business: str, session: str) -> list[dict[str, Any]]:
    store = server.app.store
    conv = await store.find_conversation(business, "webchat", session)
    if conv is None:
        return []
    out: list[dict[str, Any]] = []
    for turn in await store.turns(conv.id):
        event, reply = turn.record.get("event", {}), turn.record.get("reply", {})
        said = event.get("text") or (event.get("payload") or {}).get("value", "")
        out.append({"from": "customer", "text": said})
        out.append({"from": "desk", "text": reply.get("text", ""),
                    "options": list(reply.get("options") or ())})
    return out


async def _send(ws: web.WebSocketResponse, frame: dict[str, Any]) -> bool:
    if ws.closed:
        return False
    try:
        await ws.send_json(frame)
        return True
    except (ConnectionError, RuntimeError):  # the client went away mid-turn
        return False


async def socket(request: web.Request) -> web.WebSocketResponse:
    server = _server(request)
    slug = request.match_info["business"]
    b = server.brain(slug).business
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    session = ""
    lang: str | None = None
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                await _send(ws, {"type": "error", "error": "text frames only"})
                continue
            try:
                frame = _parse(msg.data)
                kind = frame["type"]
                if kind == "hello":
                    asked = frame.get("session") or ""
                    hint = frame.get("lang")
                    if not isinstance(asked, str) or hint not in (None, "en", "de"):
                        raise BadFrame("hello needs a session string and lang en, de or null")
                    session = asked if SESSION.match(asked) else secrets.token_urlsafe(18)
                    lang = hint if hint in b.languages else None
                    await _send(ws, {
                        "type": "welcome", "session": session,
                        "business": {"slug": b.slug, "name": b.name, "city": b.city,
                                     "languages": list(b.languages)},
                        "history": await _history(server, slug, session)})
                    continue
                if kind not in ("message", "choice"):
                    raise BadFrame(f"unknown frame type {kind[:40]!r}")
                if not session:
                    raise BadFrame("say hello first")
                cid, text = _text_of(frame)
            except BadFrame as e:
                await _send(ws, {"type": "error", "error": str(e)})
                continue
            await _send(ws, {"type": "typing"})
            event = InboundEvent(
                business=slug, channel="webchat", sender=session, text=text,
                payload={"value": text} if kind == "choice" else {},
                provider_msg_id=f"web-{session}-{cid}", received_at=datetime.now(UTC),
                lang_hint=lang)
            reply = await server.inbound(event, direct=True)
            if reply is None:  # rate limited: silence
                continue
            log.info("webchat turn", business=slug, channel="webchat",
                     conversation_id=reply.conversation_id, duplicate=reply.duplicate,
                     session=session)
            await _send(ws, {"type": "reply", "in_reply_to": cid, "text": reply.text,
                             "options": list(reply.options), "end": reply.end})
    finally:
        request.app[SOCKETS].discard(ws)
    return ws




class WebchatHistory(Sender):
    """Web-chat replies that went to the outbox (a turn answered by the recovery sweep after
    its worker died) reach the customer through the conversation's history, which the
    socket sends on every (re)connect; so there is nothing to send, and the row is done."""

    kind = "reply"
    provider = "webchat"

    async def _send(self, row: OutboxRow) -> None:
        return None


__all__ = ["MAX_TEXT", "SOCKETS", "UI", "WebchatHistory", "routes", "setup"]
