"""Benchmark: ``frontdesk serve`` under concurrent customers, over the web chat and SMS.

    python -m bench.http [--levels 10,50,200] [--turns 4]

Makes a fresh PostgreSQL database (``FRONTDESK_BENCH_PG``, default the local server),
starts ``frontdesk serve`` on it as a real process (with a local fake of Twilio's REST API
receiving the SMS replies), then for each level runs that many conversations at once —
half over the web-chat WebSocket, half as signed Twilio SMS webhooks — each of ``--turns``
messages to bloom-salon, one after another (``--think S`` seconds apart: 0 means each
customer sends the next message as soon as the answer is there). Prints turns per second and the p50/p99 time
from sending a message to having its answer (the WebSocket reply frame; the webhook's
200, which Twilio gets once the turn has committed). Every message is worded differently
(a run and customer number in it), so no embedding is served from the cache. No assertions; the database is
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from adapters.wiring import repo_path

SCRIPT = ("Hello, this is customer {n}", "What are your opening hours? Asking for {n}",
          "Where can I park, I'm customer {n}?", "Do you sell gift cards? ({n})",
          "Thanks, that's all from {n}")


def _text(i: int, n: int, run: str) -> str:
    """Every message different, so the embedder's cache of recent texts never answers."""
    return SCRIPT[i].format(n=f"{run}-{n}")
TOKEN = "bench-auth-token-0123456789abcdef"
SID = "AC" + "0" * 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


async def _fake_twilio() -> tuple[web.AppRunner, str]:
    async def messages(request: web.Request) -> web.Response:
        await request.post()
        return web.json_response({"sid": "SM" + uuid.uuid4().hex, "status": "queued"},
                                 status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


RUN = [""]  # this level's run id, in every text
THINK = [0.0]  # seconds a customer takes before the next message (--think)


async def _webchat(session: aiohttp.ClientSession, base: str, n: int,
                   turns: int) -> list[float]:
    took: list[float] = []
    async with session.ws_connect(f"{base.replace('http', 'ws', 1)}/ws/bloom-salon") as ws:
        await ws.send_json({"type": "hello", "session": "", "lang": "en"})
        while (await ws.receive_json())["type"] != "welcome":
            pass
        for i in range(min(turns, len(SCRIPT))):
            await asyncio.sleep(THINK[0] if i else 0.0)
            started = time.perf_counter()
            await ws.send_json({"type": "message", "id": f"m{i}",
                                "text": _text(i, n, RUN[0])})
            while True:
                frame = await ws.receive_json()
                if frame["type"] in ("reply", "error"):
                    break
            took.append(time.perf_counter() - started)
    return took


async def _sms(session: aiohttp.ClientSession, base: str, n: int, turns: int,
               run: str) -> list[float]:
    took: list[float] = []
    validator = RequestValidator(TOKEN)
    url = f"{base}/twilio/sms/bloom-salon"
    for i in range(min(turns, len(SCRIPT))):
        form = {"MessageSid": f"SM{run}{n:05d}{i:03d}", "AccountSid": SID,
                "From": f"+1503557{n:04d}", "To": "+15035550100", "Body": _text(i, n, run),
                "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        await asyncio.sleep(THINK[0] if i else 0.0)
        started = time.perf_counter()
        async with session.post(url, data=form, headers=headers) as r:
            await r.read()
            if r.status != 200:
                raise SystemExit(f"SMS webhook answered {r.status}")
        took.append(time.perf_counter() - started)
    return took


async def level(base: str, conversations: int, turns: int) -> None:
    run = uuid.uuid4().hex[:6]
    RUN[0] = run
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        results = await asyncio.gather(*(
            _webchat(session, base, n, turns) if n % 2 == 0 else _sms(session, base, n,
                                                                        turns, run)
            for n in range(conversations)))
        elapsed = time.perf_counter() - started
    web_ms = [t * 1000 for n, r in enumerate(results) if n % 2 == 0 for t in r]
    sms_ms = [t * 1000 for n, r in enumerate(results) if n % 2 == 1 for t in r]
    every = web_ms + sms_ms
    print(f"| {conversations:>13} | {len(every):>5} | {len(every) / elapsed:>7.1f} | "
          f"{_pct(every, 50):>7.0f} | {_pct(every, 99):>7.0f} | "
          f"{_pct(web_ms, 50):>7.0f} / {_pct(web_ms, 99):>5.0f} | "
          f"{_pct(sms_ms, 50):>7.0f} / {_pct(sms_ms, 99):>5.0f} |", flush=True)


async def main_async(levels: Sequence[int], turns: int) -> None:
    import asyncpg

    server_dsn = os.environ.get("FRONTDESK_BENCH_PG",
                                "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = urlunsplit(urlsplit(server_dsn)._replace(path="/" + name))
    twilio, twilio_url = await _fake_twilio()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FRONTDESK_DB=db, FRONTDESK_PUBLIC_URL=base,
               FRONTDESK_TWILIO_API_URL=twilio_url, TWILIO_ACCOUNT_SID=SID,
               TWILIO_AUTH_TOKEN=TOKEN, BLOOM_SALON_TWILIO_NUMBER="+15035550100",
               FRONTDESK_RATE_PER_BUSINESS="1000000", FRONTDESK_LOG_LEVEL="ERROR",
               FRONTDESK_BUSINESSES=str(repo_path("examples", "businesses")),
               FRONTDESK_CACHE_DIR=str(repo_path("var", "cache")), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve", "--port",
                             str(port)], cwd=repo_path(), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                try:
                    async with session.get(f"{base}/readyz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit("frontdesk serve exited while starting")
                await asyncio.sleep(0.1)
        print(f"## frontdesk serve (one process) on PostgreSQL 15, offline language layer; "
              f"{turns} messages per conversation, {THINK[0]:g} s between them, half web "
              "chat, half SMS")
        print("| conversations | turns | turns/s | p50 ms | p99 ms | web chat p50/p99 | "
              "SMS p50/p99 |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        await level(base, 4, 2)  # warm-up, not printed as a level of its own
        for n in levels:
            await level(base, n, turns)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        await twilio.cleanup()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--levels", default="10,50,200")
    p.add_argument("--turns", type=int, default=4)
    p.add_argument("--think", type=float, default=0.0,
                   help="seconds each customer waits before its next message")
    args = p.parse_args(argv)
    THINK[0] = args.think
    levels = [int(x) for x in args.levels.split(",") if x]
    asyncio.run(main_async(levels, args.turns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main"]
