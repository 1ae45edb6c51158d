"""The aiohttp application of ``frontdesk serve``: operations routes plus every channel's.

:func:`build_app` is the one place where channel modules are plugged in: each module in
:data:`CHANNELS` exposes ``routes(server) -> list[web.RouteDef]``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import ModuleType

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.outbox import ReplyRouter
from adapters.settings import Settings
from engine.business import Business
from store.migrations import NAMES

from . import telegram, twilio, voice, webchat, whatsapp
from .channel import client_address, proxied
from .deadlines import body_deadline
from .ops import hide_banner, quiet_banner
from .server import SERVER, Server

log = logging.getLogger("frontdesk.http")

MAX_BODY = 64 * 1024  # bytes; a bigger request body is refused with 413
LATEST_SCHEMA = max(NAMES)  # the newest migration (same versions on SQLite and PostgreSQL)

# The channel modules whose routes the server offers. A module here has
# ``routes(server: Server) -> list[web.RouteDef]``.
CHANNELS: tuple[ModuleType, ...] = (webchat, twilio, voice, whatsapp, telegram)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse oversized bodies before any handler runs; turn an unexpected exception into a
    plain 500 (logged here, never shown to the client); a client that went away is one
    INFO line. CONNECT is refused and the connection closed: aiohttp would read the bytes
    after it as another request and log them, the client's body verbatim, with a traceback
    at ERROR."""
    if request.method == "CONNECT":
        refused = web.Response(status=405, text="method not allowed")
        refused.force_close()
        return refused
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ConnectionError:  # the client went away mid-request (mid-upload): not our error
        log.info("client went away mid-request", extra={"path": request.path})
        return web.Response(status=400, text="connection lost")
    except Exception:
        log.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return web.Response(status=500, text="internal server error")


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and its schema is the latest migration."""
    store = request.app[SERVER].app.store
    try:
        version = await store.schema_version()
    except Exception as e:
        log.warning("readiness: database unreachable: %s", type(e).__name__)
        return web.Response(status=503, text=f"database unreachable: {type(e).__name__}")
    if version != LATEST_SCHEMA:
        return web.Response(status=503, text=f"schema version {version}, expected {LATEST_SCHEMA}")
    return web.Response(text="ready")


async def metrics(request: web.Request) -> web.Response:
    server = request.app[SERVER]
    depth = await server.app.store.outbox_depth(("pending", "dead"))
    for status, rows in depth.items():
        server.metrics.outbox_depth.labels(status).set(rows)
    return web.Response(
        body=server.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def operators_only(handler: Handler) -> Handler:
    """``handler`` for the clients the server's ``ops`` access admits; a bare 401/403 else."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        server = request.app[SERVER]
        client: str | None = client_address(request, server.settings.trusted_proxies)
        if client == request.remote and proxied(request, server.settings.trusted_proxies):
            client = ""  # a trusted proxy that names no client: only the token admits
        refused = server.ops.refusal(request, client)
        return refused if refused is not None else await handler(request)

    return guarded


def reply_router(
    settings: Settings, businesses: Mapping[str, Business], session: aiohttp.ClientSession
) -> ReplyRouter:
    """The senders of every channel's replies, at the configured provider URLs, all on one
    HTTP ``session``: its connections to a provider are kept open between replies, not
    made (a TCP and a TLS handshake) for each one."""
    return ReplyRouter(
        {
            "sms": twilio.TwilioSmsSender.for_businesses(
                businesses, base_url=settings.twilio_api_url, session=session
            ),
            "whatsapp": whatsapp.WhatsAppSender.for_businesses(
                businesses,
                base_url=settings.whatsapp_api_url,
                version=settings.whatsapp_api_version,
                session=session,
            ),
            "telegram": telegram.TelegramSender.for_businesses(
                businesses, base_url=settings.telegram_api_url, session=session
            ),
            "webchat": webchat.WebchatHistory(),
        }
    )


def build_app(server: Server, channels: Sequence[ModuleType] = CHANNELS) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[guard, body_deadline(server.settings.body_timeout_s)],
    )
    app[SERVER] = server
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/readyz", operators_only(readyz)),
            web.get("/metrics", operators_only(metrics)),
        ]
    )
    app.on_response_prepare.append(hide_banner)  # no server software or version
    quiet_banner()  # nor on the answers aiohttp writes before the app sees a request
    for module in channels:
        app.add_routes(module.routes(server))
    webchat.setup(app)
    return app


__all__ = ["CHANNELS", "LATEST_SCHEMA", "MAX_BODY", "build_app", "guard", "reply_router"]
