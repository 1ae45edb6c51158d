"""A local OpenAI-compatible chat-completions server (aiohttp on 127.0.0.1) for the tests.

It speaks the real wire format — ``POST /v1/chat/completions`` in, a ``chat.completion``
object with ``usage`` out — records every request body, and answers with whatever the
test's ``answer`` function returns for a request: the content string, an :class:`Http`
error, a :class:`Slow` answer (to trip the client's timeout), or a :class:`Raw` body
(malformed completions). It runs in a thread with its own event loop, so synchronous
clients (the ``openai`` client the backend uses) can call it from the test's thread.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Http:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Slow:
    seconds: float
    content: str


@dataclass(frozen=True)
class Raw:
    body: Any  # any JSON value as the whole response body


Answer = str | Http | Slow | Raw
Answerer = Callable[[dict[str, Any]], Answer]


def purpose(body: dict[str, Any]) -> str:
    return str(body.get("response_format", {}).get("json_schema", {}).get("name", ""))


def schema(body: dict[str, Any]) -> dict[str, Any]:
    return dict(body["response_format"]["json_schema"]["schema"])


def customer_text(body: dict[str, Any]) -> str:
    m = re.search(r'"""\n(.*)\n"""', body["messages"][-1]["content"], re.S)
    return m.group(1) if m else ""


def draft(body: dict[str, Any]) -> str:
    m = re.search(r"^Draft: (.*)$", body["messages"][-1]["content"], re.S | re.M)
    return m.group(1) if m else ""


def completion(
    content: str | None,
    model: str,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    refusal: str | None = None,
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def null_answer(body: dict[str, Any]) -> str:
    """A well-behaved model that knows nothing: no topic, no values, no signals, and the
    draft as its wording."""
    kind = purpose(body)
    if kind == "topic":
        return json.dumps({"topic": "none"})
    if kind == "signals":
        return json.dumps(
            {
                "affirm": False,
                "deny": False,
                "wants_human": False,
                "urgency": "none",
                "goodbye": False,
                "correction": False,
            }
        )
    if kind == "reply":
        return json.dumps({"text": draft(body)})
    return json.dumps({name: None for name in schema(body)["properties"]})


class FakeOpenAI:
    def __init__(self, answer: Answerer = null_answer) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        answer = self.answer(body)
        tokens_in = sum(len(m["content"].split()) for m in body["messages"])
        if isinstance(answer, Http):
            return web.json_response(answer.body, status=answer.status)
        if isinstance(answer, Raw):
            return web.json_response(answer.body)
        if isinstance(answer, Slow):
            await asyncio.sleep(answer.seconds)
            answer = answer.content
        return web.json_response(
            completion(answer, body.get("model", ""), tokens_in, len(answer.split()))
        )

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"

    @contextmanager
    def running(self) -> Iterator[FakeOpenAI]:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=serve, name="fake-openai", daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield self
        finally:
            runner = self._runner
            if runner is not None:
                asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    def purposes(self) -> list[str]:
        return [purpose(b) for b in self.requests]


__all__ = [
    "FakeOpenAI",
    "Http",
    "Raw",
    "Slow",
    "completion",
    "customer_text",
    "draft",
    "null_answer",
    "purpose",
    "schema",
]
