"""Benchmark: ``frontdesk serve`` under concurrent customers, over the web chat and SMS.

    python -m bench.http [--levels 10,50,200] [--seconds 20] [--rates 0,100]

Makes a fresh PostgreSQL database (``FRONTDESK_BENCH_PG``, default the local server),
starts ``frontdesk serve`` on it as a real process (with a local fake of Twilio's REST API
receiving the SMS replies), then for each offered rate and each level keeps that many
conversations going at once for ``--seconds`` — half over the web-chat WebSocket, half as
signed Twilio SMS webhooks, each customer going through a five-message script to
bloom-salon and starting a new conversation after it.

Offered rate 0: every customer sends its next message as soon as it has the answer — the
most the server can take (by Little's law, latency is then conversations / throughput).
Offered rate R: customers are paced on the clock so that R turns a second are offered in
all; the row shows whether the server keeps up and how long customers wait.

Prints turns per second (sent in the steady window, once every customer has started, and
answered), the p50/p99 time from sending a message to having its answer
(the WebSocket reply frame; the webhook's 200, which Twilio gets once the turn has
committed), and for SMS the p50/p99 time until the reply reached the fake Twilio (out of
the outbox). Every message is worded differently (a run and customer number in it), so no
embedding is served from the cache. No assertions; the database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from adapters.wiring import repo_path
from bench.stats import percentile

SCRIPT = (
    "Hello, this is customer {n}",
    "What are your opening hours? Asking for {n}",
    "Where can I park, I'm customer {n}?",
    "Do you sell gift cards? ({n})",
    "Thanks, that's all from {n}",
)


def _text(i: int, n: str, run: str) -> str:
    """Every message different, so the embedder's cache of recent texts never answers."""
    return SCRIPT[i].format(n=f"{run}-{n}")


TOKEN = "bench-auth-token-0123456789abcdef"
SID = "AC" + "0" * 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Replies = dict[str, list[float]]  # phone → when the fake Twilio got each reply to it


async def _fake_twilio(replies: Replies) -> tuple[web.AppRunner, str]:
    async def messages(request: web.Request) -> web.Response:
        form = await request.post()
        replies.setdefault(str(form.get("To", "")), []).append(time.perf_counter())
        return web.json_response({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}, status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


class Load:
    """One level's customers: ``conversations`` at once for ``seconds``, each a customer
    going through the script (and starting a new conversation after its last message).

    ``every`` > 0 paces them on the clock: customer ``n`` sends its ``k``-th message at
    ``start + (n / conversations + k) * every`` — the first messages spread over one
    interval, as customers do not all press send at the same instant — or at once, if the
    previous answer came later than that. So ``conversations / every`` turns a second are
    offered in all, and a web-chat customer opens its next conversation's WebSocket while it
    waits, not in its schedule's time. ``every`` = 0: each sends the next message as soon
    as it has the answer (the most the server can take).

    The rate is counted in the steady window, from the moment every customer has sent its
    first message (``start + every``) to the deadline: the turns sent in it over its
    length, every one of them answered. The latencies are those of every turn."""

    def __init__(
        self, base: str, conversations: int, seconds: float, every: float, replies: Replies
    ) -> None:
        self.base = base
        self.replies = replies
        self.conversations = conversations
        self.seconds = seconds
        self.every = every
        self.run = uuid.uuid4().hex[:6]
        self.turns: list[tuple[str, float, float]] = []  # (channel, sent at, ms to answer)
        self.texts: dict[str, list[float]] = {}  # SMS phone → when each message was sent
        self.start = self.deadline = 0.0

    def ms(self, channel: str = "") -> list[float]:
        return [ms for kind, _, ms in self.turns if not channel or kind == channel]

    def delivered_ms(self) -> list[float]:
        """From each SMS to its reply reaching the fake Twilio (the turn, the outbox and
        the REST call): the k-th reply to a phone answers its k-th message."""
        return [
            (got - sent) * 1000
            for phone, sent_at in self.texts.items()
            for sent, got in zip(sent_at, self.replies.get(phone, []), strict=False)
        ]

    def rate(self) -> float:
        """Turns a second over the steady window (see the class)."""
        opened = self.start + min(self.every, self.seconds / 2)
        sent = sum(1 for _, at, _ in self.turns if opened <= at < self.deadline)
        return sent / (self.deadline - opened)

    async def go(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            self.start = time.perf_counter()
            self.deadline = self.start + self.seconds
            await asyncio.gather(*(self._customer(session, n) for n in range(self.conversations)))

    async def _customer(self, session: aiohttp.ClientSession, n: int) -> None:
        schedule = self._schedule(n)
        round_ = 0
        while time.perf_counter() < self.deadline:
            who = f"{n}-{round_}"
            if n % 2 == 0:
                await self._webchat(session, who, schedule)
            else:
                await self._sms(session, who, n, round_, schedule)
            round_ += 1

    def _schedule(self, n: int) -> Iterator[float]:
        """When customer ``n``'s messages are due, one after another (0: at once)."""
        k = 0
        while True:
            yield self.start + (n / self.conversations + k) * self.every if self.every else 0.0
            k += 1

    async def _sent(self, due: float) -> float | None:
        """Wait until a message is due; its sending time, or None past the deadline."""
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        now = time.perf_counter()
        return now if now < self.deadline else None

    async def _webchat(
        self, session: aiohttp.ClientSession, who: str, schedule: Iterator[float]
    ) -> None:
        url = f"{self.base.replace('http', 'ws', 1)}/ws/bloom-salon"
        async with session.ws_connect(url) as ws:
            await ws.send_json({"type": "hello", "session": "", "lang": "en"})
            while (await ws.receive_json())["type"] != "welcome":
                pass
            for i in range(len(SCRIPT)):
                if (started := await self._sent(next(schedule))) is None:
                    return
                await ws.send_json(
                    {"type": "message", "id": f"m{i}", "text": _text(i, who, self.run)}
                )
                while True:
                    frame = await ws.receive_json()
                    if frame["type"] in ("reply", "error"):
                        break
                self.turns.append(("web", started, (time.perf_counter() - started) * 1000))

    async def _sms(
        self,
        session: aiohttp.ClientSession,
        who: str,
        n: int,
        round_: int,
        schedule: Iterator[float],
    ) -> None:
        validator = RequestValidator(TOKEN)
        url = f"{self.base}/twilio/sms/bloom-salon"
        for i in range(len(SCRIPT)):
            form = {
                "MessageSid": f"SM{self.run}{n:05d}{round_:04d}{i:02d}",
                "AccountSid": SID,
                "From": f"+1503{n % 1000:03d}{round_ % 10000:04d}",
                "To": "+15035550100",
                "Body": _text(i, who, self.run),
                "NumMedia": "0",
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            if (started := await self._sent(next(schedule))) is None:
                return
            self.texts.setdefault(form["From"], []).append(started)
            async with session.post(url, data=form, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    raise SystemExit(f"SMS webhook answered {r.status}")
            self.turns.append(("sms", started, (time.perf_counter() - started) * 1000))


async def level(
    base: str, replies: Replies, conversations: int, seconds: float, rate: float
) -> None:
    load = Load(base, conversations, seconds, conversations / rate if rate else 0.0, replies)
    await load.go()
    await asyncio.sleep(2.0)  # the last replies leave the outbox
    every, web, sms, out = load.ms(), load.ms("web"), load.ms("sms"), load.delivered_ms()
    replies.clear()
    offered = f"{rate:g}" if rate else "as fast as answered"
    print(
        f"| {conversations:>13} | {offered:>8} | {len(every):>5} | "
        f"{load.rate():>7.1f} | {percentile(every, 50):>6.0f} | {percentile(every, 99):>6.0f} | "
        f"{percentile(web, 50):>5.0f} / {percentile(web, 99):>5.0f} | "
        f"{percentile(sms, 50):>5.0f} / {percentile(sms, 99):>5.0f} | "
        f"{percentile(out, 50):>5.0f} / {percentile(out, 99):>5.0f} |",
        flush=True,
    )


async def _all_workers_up(log: Path, workers: int, proc: subprocess.Popen[bytes]) -> None:
    """Every worker has loaded its model and listens: one "serving" line each."""
    deadline = time.perf_counter() + 300
    while log.read_text().count('"event": "serving"') < workers:
        if proc.poll() is not None or time.perf_counter() > deadline:
            raise SystemExit("not every serve worker came up:\n" + log.read_text()[-2000:])
        await asyncio.sleep(0.2)


async def main_async(
    levels: Sequence[int], seconds: float, rates: Sequence[float], workers: int
) -> None:
    import asyncpg

    server_dsn = os.environ.get(
        "FRONTDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = urlunsplit(urlsplit(server_dsn)._replace(path="/" + name))
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
        BLOOM_SALON_TWILIO_NUMBER="+15035550100",
        FRONTDESK_RATE_PER_BUSINESS="1000000",
        FRONTDESK_LOG_LEVEL="WARNING",
        FRONTDESK_BUSINESSES=str(repo_path("examples", "businesses")),
        FRONTDESK_CACHE_DIR=str(repo_path("var", "cache")),
        HF_HUB_OFFLINE="1",
    )
    log = Path(tempfile.mkdtemp(prefix="frontdesk-bench-")) / "serve.log"
    log_file = log.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=repo_path(),
        env=env,
        stdout=log_file,
        stderr=log_file,
    )
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
        await _all_workers_up(log, workers, proc)
        print(
            f"## frontdesk serve --workers {workers} on PostgreSQL 15, offline language "
            "layer; "
            f"{seconds:g} s per row; half the customers on the web chat, half by SMS"
        )
        print(
            "| conversations | offered turns/s | turns | turns/s | p50 ms | p99 ms | "
            "web chat p50/p99 | SMS p50/p99 | SMS reply delivered p50/p99 |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        await level(base, replies, 4, 3.0, 0.0)  # warm-up, not printed as a row of its own
        for rate in rates:
            for n in levels:
                await level(base, replies, n, seconds, rate)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()
        await twilio.cleanup()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.http",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--levels", default="10,50,200", help="numbers of concurrent conversations")
    p.add_argument("--seconds", type=float, default=20.0, help="duration of each row")
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="frontdesk serve --workers (processes sharing the port)",
    )
    p.add_argument(
        "--rates", default="0,100", help="offered turns per second in all (0: as fast as answered)"
    )
    args = p.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x]
    rates = [float(x) for x in args.rates.split(",") if x]
    asyncio.run(main_async(levels, args.seconds, rates, args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main"]
