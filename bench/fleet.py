"""A worker process that answers a batch of inbound events through the real desk.

Used by the race and crash tests and by ``bench.booking``: several of these run at once
against one database, as several ``frontdesk`` processes would. Each sender's events are
answered in order; different senders run concurrently (their conversations lock
separately). The worker waits for a start signal (a file appearing) so that every process
has loaded its model before the first turn; it writes one JSON line per answered event.

    python -m bench.fleet --db URL --jobs jobs.json --out out.jsonl [--go FILE]
                          [--ready FILE] [--die-at POINT[:N]] [--embedder minilm|hashing]

``--die-at recorded|understood|acted|before_commit|committed[:N]`` kills the process
with SIGKILL the N-th time (default 1) a turn passes that point — the crash tests' way
of pulling the plug mid-turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.ports import InboundEvent

POINTS = ("recorded", "understood", "acted", "before_commit", "committed")


def killer(spec: str) -> Any:
    point, _, nth = spec.partition(":")
    if point not in POINTS:
        raise SystemExit(f"--die-at: unknown point {point!r}; one of {', '.join(POINTS)}")
    left = [int(nth or 1)]

    def probe(at: str) -> None:
        if at == point:
            left[0] -= 1
            if left[0] == 0:
                os.kill(os.getpid(), signal.SIGKILL)

    return probe


async def run(args: argparse.Namespace) -> int:
    settings = Settings(
        db=args.db,
        businesses=repo_path("examples", "businesses"),
        embedder=args.embedder,
        cache_dir=repo_path("var", "cache"),
    )
    app = await open_app(settings)
    if args.die_at:
        app.desk.probe = killer(args.die_at)
    events = [InboundEvent.model_validate(e) for e in json.loads(Path(args.jobs).read_text())]
    by_sender: dict[str, list[InboundEvent]] = defaultdict(list)
    for e in events:
        by_sender[f"{e.business}/{e.channel}/{e.sender}"].append(e)
    out = Path(args.out).open("a", encoding="utf-8")  # noqa: SIM115 (closed in finally)
    if args.ready:
        Path(args.ready).touch()
    if args.go:
        while not Path(args.go).exists():
            await asyncio.sleep(0.01)

    async def converse(mine: list[InboundEvent]) -> None:
        for e in mine:
            started = time.perf_counter()
            reply = await app.desk.handle(e, direct=args.direct)
            ms = (time.perf_counter() - started) * 1000
            out.write(
                json.dumps(
                    {
                        "provider_msg_id": e.provider_msg_id,
                        "text": reply.text,
                        "conversation_id": reply.conversation_id,
                        "duplicate": reply.duplicate,
                        "ms": round(ms, 3),
                    }
                )
                + "\n"
            )
            out.flush()

    try:
        await asyncio.gather(*(converse(mine) for mine in by_sender.values()))
    finally:
        out.close()
        await app.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fleet")
    p.add_argument("--db", required=True)
    p.add_argument("--jobs", required=True, help="a JSON list of InboundEvent objects")
    p.add_argument("--out", required=True, help="JSON lines, one per answered event")
    p.add_argument("--ready", help="create this file once the model and cards are loaded")
    p.add_argument("--go", help="wait until this file exists before the first turn")
    p.add_argument("--die-at", help="SIGKILL this process at a point of a turn: POINT[:N]")
    p.add_argument("--embedder", choices=("minilm", "hashing"), default="minilm")
    p.add_argument(
        "--direct",
        action="store_true",
        help="the caller delivers replies itself (no reply rows in the outbox)",
    )
    args = p.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
