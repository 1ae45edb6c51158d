"""The web chat: its routes, the embeddable widget's script and the WebSocket the chat talks
over (the pages themselves are rendered in ``chat_page``).

Protocol (JSON text frames). Client → server: first
``{"type": "hello", "session": "<id or empty>", "lang": "en" | "de" | null}``, then
``{"type": "message", "id": "<client msg id>", "text": "..."}`` or
``{"type": "choice", "id": "...", "value": "<option text>"}`` (a button press). A hello
again on the same socket, with an empty session, starts a new conversation.
Server → client: ``{"type": "welcome", "session", "resumed", "business", "greeting",
"history"}``
(greeting: ``{"lang", "text", "suggestions"}``, shown by the chat and never a turn;
history: the stored turns of the session's conversation, ``{"from", "text"}`` and for the
desk's ``"options"`` and ``"end"``, so a reconnect resumes it),
``{"type": "typing"}`` before each turn, ``{"type": "reply", "in_reply_to", "text",
"options", "end"}``, and ``{"type": "error", "error"}`` for a frame it cannot use (the
socket stays open). Session ids are issued by the server (signed, with an expiry; see
``sessions``): a hello with one it issued for this business, not expired, resumes that
conversation (``resumed`` true, its history); any other id gets a fresh one, a new
conversation and no history. The session's random part is the event's sender; the provider
message id is ``web-{random part}-{client id}``, so a frame re-sent after a reconnect is one
turn.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from adapters.outbox import Sender
from engine.ports import OutboxRow

from .channel import client_key
from .chat_page import (
    CLIENT_ID,
    MAX_TEXT,
    NEW_SESSIONS,
    STATIC,
    UI,
    chat_event,
    chat_page,
    conversation_view,
    favicon_ico,
    favicon_svg,
    index,
    new_conversation,
    open_session,
    post_message,
    stylesheet,
)
from .greeting import greeting
from .limits import KeyedWindow
from .server import SERVER, Server

log = structlog.get_logger("frontdesk.webchat")

SOCKETS = web.AppKey("frontdesk.webchat.sockets", set[web.WebSocketResponse])
OPEN = web.AppKey("frontdesk.webchat.open", dict[str, int])  # open sockets per address
SESSION_WINDOW_S = 600.0  # sessions_per_address counts new sessions in this window
# over a cap: the socket is closed with this code and a reason the page shows
TRY_LATER = WSCloseCode.TRY_AGAIN_LATER
TOO_MANY_SOCKETS = "too many open chats from your address; please close one and try again"
TOO_MANY_SESSIONS = "too many new conversations from your address; please try again later"
SCRIPT = STATIC / "chat.js"


class BadFrame(ValueError):
    pass


def routes(server: Server) -> list[web.RouteDef]:
    return [
        web.get("/", index),
        web.get("/chat/{business}", chat_page),
        web.post("/chat/{business}", post_message),
        web.post("/chat/{business}/new", new_conversation),
        web.get("/widget.js", widget),
        web.get("/ws/{business}", socket),
        web.get("/favicon.ico", favicon_ico),
        web.get("/favicon.svg", favicon_svg),
    ]


def setup(app: web.Application) -> None:
    """Keep track of open sockets, and close them when the server shuts down (after the
    turn each is answering, if any, has finished)."""
    app[SOCKETS] = set()
    app[OPEN] = {}
    app[NEW_SESSIONS] = KeyedWindow(app[SERVER].settings.sessions_per_address, SESSION_WINDOW_S)

    async def close_sockets(app: web.Application) -> None:
        sockets: set[web.WebSocketResponse] = app[SOCKETS]
        for ws in list(sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    app.on_shutdown.append(close_sockets)


def _server(request: web.Request) -> Server:
    return request.app[SERVER]


@cache
def widget_source() -> str:
    """``chat.js`` with the UI words and the stylesheet filled in (one file to embed)."""
    source = SCRIPT.read_text(encoding="utf-8")
    for mark, value in (
        ("/*@UI*/{ en: {} }", json.dumps(UI, ensure_ascii=False)),
        ('/*@CSS*/""', json.dumps(stylesheet(), ensure_ascii=False)),
    ):
        if mark not in source:
            raise RuntimeError(f"chat.js lost its placeholder {mark}")
        source = source.replace(mark, value.replace("</", "<\\/"), 1)
    return source


async def widget(request: web.Request) -> web.Response:
    return web.Response(
        text=widget_source(),
        content_type="application/javascript",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


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
        raise BadFrame(
            "text must be a non-empty string"
            if frame["type"] == "message"
            else "value must be a non-empty string"
        )
    if len(text) > MAX_TEXT:
        raise BadFrame(f"text longer than {MAX_TEXT} characters")
    return cid, text


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
    brain = server.brain(slug)
    b = brain.business
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
    await ws.prepare(request)
    address = client_key(request, server.settings.trusted_proxies)
    opened = request.app[OPEN]
    if opened.get(address, 0) >= server.settings.ws_per_address:
        await _refuse(ws, TOO_MANY_SOCKETS)
        return ws
    opened[address] = opened.get(address, 0) + 1
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
                    token, session, resumed = open_session(server, slug, asked)
                    if not resumed and not request.app[NEW_SESSIONS].take(address):
                        await _refuse(ws, TOO_MANY_SESSIONS)
                        break
                    lang = hint if hint in b.languages else None
                    await _send(
                        ws,
                        {
                            "type": "welcome",
                            "session": token,
                            "resumed": resumed,
                            "business": {
                                "slug": b.slug,
                                "name": b.name,
                                "city": b.city,
                                "languages": list(b.languages),
                            },
                            "greeting": greeting(brain, hint).frame(),
                            "history": await conversation_view(server, slug, session),
                        },
                    )
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
            event = chat_event(slug, session, kind, text, cid, lang)
            reply = await server.inbound(event, direct=True, address=address)
            if reply is None:  # rate limited: silence
                continue
            log.info(
                "webchat turn",
                business=slug,
                channel="webchat",
                conversation_id=reply.conversation_id,
                duplicate=reply.duplicate,
            )
            await _send(
                ws,
                {
                    "type": "reply",
                    "in_reply_to": cid,
                    "text": reply.text,
                    "options": list(reply.options),
                    "end": reply.end,
                },
            )
    finally:
        request.app[SOCKETS].discard(ws)
        if opened.get(address, 0) <= 1:
            opened.pop(address, None)
        else:
            opened[address] -= 1
    return ws


async def _refuse(ws: web.WebSocketResponse, reason: str) -> None:
    """Over a cap: say why (the page shows an error frame), close with 1013 "try again
    later" and the reason; nothing is recorded."""
    log.info("webchat socket refused", reason=reason)
    await _send(ws, {"type": "error", "error": reason})
    await ws.close(code=TRY_LATER, message=reason.encode())


class WebchatHistory(Sender):
    """Web-chat replies that went to the outbox (a turn answered by the recovery sweep after
    its worker died) reach the customer through the conversation's history, which the
    socket sends on every (re)connect; so there is nothing to send, and the row is done."""

    kind = "reply"
    provider = "webchat"

    async def _send(self, row: OutboxRow) -> None:
        return None


__all__ = [
    "MAX_TEXT",
    "NEW_SESSIONS",
    "OPEN",
    "SOCKETS",
    "TOO_MANY_SESSIONS",
    "TOO_MANY_SOCKETS",
    "UI",
    "WebchatHistory",
    "routes",
    "setup",
]
