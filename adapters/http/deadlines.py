"""Slow and vanishing clients: header and body read deadlines, and a quiet word when a client
goes away.

aiohttp's server waits for a request's headers for ever (its keep-alive timer only runs
between requests, and not before the first one), so a client that opens connections and
sends a header line now and then holds them all. :class:`DeadlineRunner` runs the app with
a request handler that closes a connection whose request headers have not all arrived
within ``header_timeout_s`` of its first byte (of the connection, for the first request).
:func:`body_deadline` is a middleware that cuts a request whose body has not all arrived
within ``body_timeout_s`` (408, connection closed). A request's headers are counted from
its first byte; the first bytes of a next request that arrive in the same packet as the one
before it, or while it is being answered, fall to the keep-alive timeout instead. An idle kept-alive connection is closed
after :data:`KEEPALIVE_S`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_protocol import RequestHandler

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger("frontdesk.http")
KEEPALIVE_S = 75.0  # an idle kept-alive connection is closed after this (aiohttp: an hour)


class HeaderDeadline(RequestHandler):
    """aiohttp's request handler with a deadline on each request's headers."""

    def __init__(self, manager: web.Server, *, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.header_timeout_s = header_timeout_s
        self._deadline: asyncio.TimerHandle | None = None
        self._complete = 0  # requests whose headers have arrived

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self._request_count
        super().data_received(data)
        if self._request_count != before:  # a request's headers are complete
            self._disarm()
        elif self._deadline is None and not self._request_in_progress and not self._upgraded:
            self._arm()  # the first bytes of the next request on a kept-alive connection

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._complete = self._request_count
        self._deadline = self._loop.call_later(self.header_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self._request_count == self._complete and self.transport is not None:
            log.info("slow client cut off: request headers not received in time")
            self.force_close()


class DeadlineServer(web.Server):
    """The low-level server, making :class:`HeaderDeadline` handlers."""

    def __init__(self, *args: Any, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = header_timeout_s

    def __call__(self) -> RequestHandler:
        # what web.Server.__call__ does, with the deadline
        return HeaderDeadline(
            self, loop=self._loop, header_timeout_s=self.header_timeout_s, **self._kwargs
        )


class DeadlineRunner(web.AppRunner):
    """An :class:`aiohttp.web.AppRunner` whose connections have a header deadline."""

    def __init__(self, app: web.Application, *, header_timeout_s: float, **kwargs: Any) -> None:
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_S)
        super().__init__(app, **kwargs)
        self.header_timeout_s = header_timeout_s

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # runs the app's start-up
        return DeadlineServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            header_timeout_s=self.header_timeout_s,
            **self._kwargs,
        )


def body_deadline(timeout_s: float) -> Middleware:
    """A middleware: a request's body is read (up to the app's ``client_max_size``) before
    its handler runs, and must have arrived ``timeout_s`` after its headers; else the
    answer is 408 and the connection is closed (one INFO line). Handlers read the body as
    usual (``request.read()``, ``request.post()``), from memory."""

    @web.middleware
    async def deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content.is_eof():  # no body, or all of it here already
            return await handler(request)
        try:
            async with asyncio.timeout(timeout_s):
                await request.read()
        except TimeoutError:
            log.info("slow client cut off: request body not received in time")
            response = web.Response(status=408, text="request body not received in time")
            response.force_close()
            await response.prepare(request)
            await response.write_eof()
            request.protocol.force_close()  # no lingering for the rest of the body
            return response
        return await handler(request)

    return deadline


__all__ = ["DeadlineRunner", "DeadlineServer", "HeaderDeadline", "body_deadline"]
