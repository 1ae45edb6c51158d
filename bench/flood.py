"""Benchmark: a flood of anonymous web chat against ``frontdesk serve``, and a real customer's
signed SMS meanwhile.

    python -m bench.flood [--rate 1000] [--seconds 10] [--sockets 40] [--sms-every 1]

Starts ``frontdesk serve`` as a real process on a fresh SQLite file (default limits, the
offline language layer, a local fake of Twilio's REST API for the replies), then for
``--seconds`` offers ``--rate`` web-chat messages a second from one address over
``--sockets`` WebSockets (each says hello; the ones accepted share the rate, sending paced
message frames), while a
customer's signed SMS arrives every ``--sms-every`` seconds (a different customer each time,
signed as Twilio signs). Stops the server (SIGTERM: it writes the drop counts) and reads the
database.

Then opens ``--slow`` connections whose request headers never finish and as many whose
body never does (each trickling a byte a second; the server's header and body timeouts are
set to 5 s for the run) and times how long the server takes to cut each off, and a prompt
client's ``/healthz`` meanwhile.

Prints the sockets accepted and refused (the per-address cap), the messages offered, sent
and answered, each SMS webhook's time to its 200 (the turn committed: answered, its reply
in the outbox) and whether any SMS was rate limited, and what the database holds: inbound
events and turns by channel, the dropped-burst rows and the messages they count. No
assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

from adapters.wiring import repo_path
from bench.http import SID, TOKEN, Replies, _fake_twilio, _free_port
from bench.stats import percentile

SALON = "bloom-salon"
SALON_NUMBER = "+15035550100"
TIMEOUT_S = 5  # header_timeout_s and body_timeout_s of the server under test


class Flood:
    def __init__(self, base: str, rate: float, seconds: float, sockets: int) -> None:
        self.base, self.rate, self.seconds, self.sockets = base, rate, seconds, sockets
        self.refused = 0
        self.accepted = 0
        self.sent = 0
        self.frames: Counter[str] = Counter()

    async def connect(
        self, session: aiohttp.ClientSession, n: int
    ) -> aiohttp.ClientWebSocketResponse | None:
        """A socket that has said hello and been welcomed, or None (refused: counted)."""
        url = self.base.replace("http", "ws", 1) + f"/ws/{SALON}"
        ws = await session.ws_connect(url)
        await ws.send_json({"type": "hello", "session": "", "lang": "en"})
        first = await ws.receive()
        if first.type != aiohttp.WSMsgType.TEXT or '"welcome"' not in first.data:
            self.refused += 1
            await ws.close()
            return None
        self.accepted += 1
        return ws

    async def pump(
        self, ws: aiohttp.ClientWebSocketResponse, n: int, of: int, start: float
    ) -> None:
        """Socket ``n`` of ``of`` sends its share of the rate, paced, and reads what comes."""

        async def read() -> None:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.frames[msg.json().get("type", "?")] += 1

        reader = asyncio.create_task(read())
        every = of / self.rate
        i = 0
        while (due := start + (n / of + i) * every) < start + self.seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await ws.send_json({"type": "message", "id": f"{n}-{i}", "text": f"hi {n} {i}"})
            self.sent += 1
            i += 1
        await asyncio.sleep(1.0)  # the answers still on their way
        await ws.close()
        await reader


async def sms_customers(
    session: aiohttp.ClientSession, base: str, every: float, seconds: float, start: float
) -> list[tuple[float, int]]:
    """A signed SMS every ``every`` s, each from a new customer: (ms to the 200, status)."""
    validator = RequestValidator(TOKEN)
    url = f"{base}/twilio/sms/{SALON}"
    timings: list[tuple[float, int]] = []
    k = 0
    while (due := start + every / 2 + k * every) < start + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        form = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": SID,
            "From": f"+1503555{k:04d}",
            "To": SALON_NUMBER,
            "Body": f"Hi, what are your opening hours? ({k})",
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        sent = time.perf_counter()
        async with session.post(url, data=form, headers=headers) as r:
            await r.read()
            timings.append(((time.perf_counter() - sent) * 1000, r.status))
        k += 1
    return timings


@dataclass
class Held:
    """What the database holds after the flood."""

    inbound: Counter[str]  # events by channel
    turns: Counter[str]
    problems: Counter[str]  # "channel:problem" ("ok": understood and answered)
    conversations: Counter[str]
    dropped_rows: int
    dropped_messages: int
    bursts: list[tuple[str, int]]  # (budget, messages)


async def slow_clients(port: int, n: int) -> tuple[list[float], list[float], float]:
    """``n`` connections whose headers never finish and ``n`` whose body never does, each
    sending a byte a second: seconds until the server closed each kind; and meanwhile the
    time a prompt client's ``/healthz`` took (ms)."""

    async def one(head: bytes) -> float:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        began = time.perf_counter()
        writer.write(head)
        while time.perf_counter() - began < 120:
            try:
                await writer.drain()
                data = await asyncio.wait_for(reader.read(1024), 1.0)
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    break
            except TimeoutError:  # nothing from the server yet: another byte
                writer.write(b"x")
            except ConnectionError:
                break
        writer.close()
        return time.perf_counter() - began

    headers = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
    body = (
        f"POST /twilio/sms/{SALON} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\nFrom="
    ).encode()
    slow = [asyncio.create_task(one(headers)) for _ in range(n)]
    slow += [asyncio.create_task(one(body)) for _ in range(n)]
    await asyncio.sleep(1.0)
    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
            await r.read()
        prompt = (time.perf_counter() - began) * 1000
    done = await asyncio.gather(*slow)
    return done[:n], done[n:], prompt


async def database(db: str) -> Held:
    from store import open_store

    store = await open_store(db)
    try:
        events = await store.inbound_events(SALON)
        conversations = await store.list_conversations(SALON)
        turns: Counter[str] = Counter()
        problems: Counter[str] = Counter()
        for c in conversations:
            for t in await store.turns(c.id):
                turns[c.channel] += 1
                problems[f"{c.channel}:{t.record['understanding']['problem'] or 'ok'}"] += 1
        dropped = await store.list_dropped(SALON)
        return Held(
            inbound=Counter(e.channel for e in events),
            turns=turns,
            problems=problems,
            conversations=Counter(c.channel for c in conversations),
            dropped_rows=len(dropped),
            dropped_messages=sum(d.count for d in dropped),
            bursts=[(d.budget, d.count) for d in dropped],
        )
    finally:
        await store.close()


async def main_async(
    rate: float, seconds: float, sockets: int, sms_every: float, slow: int
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-flood-"))
    db = f"sqlite:///{folder / 'flood.db'}"
    replies: Replies = {}
    twilio, twilio_url = await _fake_twilio(replies)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        FRONTDESK_DB=db,
        FRONTDESK_PUBLIC_URL=base,
        FRONTDESK_TWILIO_API_URL=twilio_url,
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        BLOOM_SALON_TWILIO_NUMBER=SALON_NUMBER,
        FRONTDESK_LOG_LEVEL="WARNING",
        FRONTDESK_HEADER_TIMEOUT_S=str(TIMEOUT_S),
        FRONTDESK_BODY_TIMEOUT_S=str(TIMEOUT_S),
        FRONTDESK_BUSINESSES=str(repo_path("examples", "businesses")),
        FRONTDESK_CACHE_DIR=str(repo_path("var", "cache")),
        HF_HUB_OFFLINE="1",
    )
    log = folder / "serve.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)],
            cwd=repo_path(),
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(3000):
                    try:
                        async with session.get(f"{base}/readyz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    if proc.poll() is not None:
                        raise SystemExit("frontdesk serve exited:\n" + log.read_text()[-2000:])
                    await asyncio.sleep(0.1)
                flood = Flood(base, rate, seconds, sockets)
                opened = await asyncio.gather(*(flood.connect(session, n) for n in range(sockets)))
                carrying = [ws for ws in opened if ws is not None]
                start = time.perf_counter() + 0.5
                customers = asyncio.create_task(
                    sms_customers(session, base, sms_every, seconds, start)
                )
                await asyncio.gather(
                    *(flood.pump(ws, n, len(carrying), start) for n, ws in enumerate(carrying))
                )
                timings = await customers
                cut_headers, cut_bodies, prompt = await slow_clients(port, slow)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            await twilio.cleanup()
    held = await database(db)
    ms = [t for t, _ in timings]
    print(
        f"## frontdesk serve (SQLite, default limits) under {rate:g} web-chat messages/s "
        f"from one address for {seconds:g} s"
    )
    print(
        f"web chat: {sockets} sockets offered, {flood.accepted} accepted, {flood.refused} "
        f"refused (ws_per_address: error frame + close 1013); {flood.sent} messages sent "
        f"({flood.sent / seconds:.0f}/s); frames back: {dict(flood.frames)}"
    )
    if ms:
        print(
            f"signed SMS: {len(ms)} sent, statuses {dict(Counter(s for _, s in timings))}, "
            f"time to 200 p50 {percentile(ms, 50):.0f} ms, max {max(ms):.0f} ms; "
            f"within 1 s: {sum(1 for t in ms if t <= 1000)}/{len(ms)}"
        )
    print(f"turn problems by channel: {dict(held.problems)}  (sms:ok = answered)")
    print(
        f"database: inbound events {dict(held.inbound)}, turns {dict(held.turns)}, "
        f"conversations {dict(held.conversations)}, dropped-burst rows "
        f"{held.dropped_rows} counting {held.dropped_messages} messages {held.bursts}"
    )
    if cut_headers:
        print(
            f"slow clients (a byte a second; header and body timeouts {TIMEOUT_S} s): "
            f"{len(cut_headers)} with unfinished headers closed after p50 "
            f"{percentile(cut_headers, 50):.1f} s, max {max(cut_headers):.1f} s; "
            f"{len(cut_bodies)} with unfinished bodies after p50 "
            f"{percentile(cut_bodies, 50):.1f} s, max {max(cut_bodies):.1f} s; a prompt "
            f"/healthz meanwhile: {prompt:.0f} ms"
        )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.flood",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rate", type=float, default=1000.0, help="web-chat messages a second")
    p.add_argument("--seconds", type=float, default=10.0, help="how long the flood lasts")
    p.add_argument("--sockets", type=int, default=40, help="web-chat sockets to open")
    p.add_argument("--sms-every", type=float, default=1.0, help="seconds between SMS")
    p.add_argument("--slow", type=int, default=100, help="slow connections of each kind")
    args = p.parse_args(argv)
    asyncio.run(main_async(args.rate, args.seconds, args.sockets, args.sms_every, args.slow))
    return 0


if __name__ == "__main__":
    sys.exit(main())
