"""``frontdesk chat``: talk to one business in the terminal, or over pipes.

Over pipes it prints nothing before the first message and answers every input line with
exactly one line starting ``desk: `` (tests outside the repository rely on that).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.desk import APOLOGY
from engine.ports import InboundEvent
from rules.errors import FrontdeskError

from ..net import outbound_of
from ..outbox import drainer_for
from ..settings import Settings
from ..wiring import open_app
from .output import EXIT_OK, one_line


def parse_now(value: str | None, tz: str) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as e:
        raise FrontdeskError(f"--now must be ISO-8601, e.g. 2026-11-24T09:30 ({e})") from e
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


async def chat(args: argparse.Namespace, settings: Settings) -> int:
    app = await open_app(settings, only=args.business)
    businesses = {k: b.business for k, b in app.brains.items()}
    drainer = drainer_for(app.store, businesses, outbound=outbound_of(settings))
    try:
        brain = app.brains[args.business]
        fixed = parse_now(args.now, brain.business.timezone)
        session = uuid.uuid4().hex[:12]
        sender = f"{args.customer or 'guest'}#{session}"
        interactive = sys.stdin.isatty()
        # bytes that are not UTF-8 are a customer's problem, not a crash: read them as U+FFFD
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
        if interactive:
            print(f"frontdesk · {brain.business.name} · type a message, Ctrl-D to leave")
        n = 0
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                print("you: ", end="", flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            n += 1
            now = fixed or datetime.now(UTC)
            event = InboundEvent(
                business=args.business,
                channel=args.channel,
                sender=sender,
                text=line.rstrip("\r\n"),
                provider_msg_id=f"cli-{session}-{n}",
                received_at=now,
                lang_hint=args.lang,
                customer_phone=args.customer,
            )
            try:
                reply = await app.desk.handle(event, direct=True)
                await drainer.drain_once(now)  # deliver taken messages (file, webhook) at once
                text = one_line(reply.text)
            except Exception:  # the desk already apologises; this is its last line of defence
                logging.getLogger("frontdesk.cli").exception("turn failed")
                text = one_line(
                    APOLOGY.get(args.lang or brain.business.languages[0], APOLOGY["en"])
                )
                reply = None
            if reply is not None and reply.options and interactive:
                text += "  [" + " | ".join(reply.options) + "]"
            print(f"desk: {text}", flush=True)
        return EXIT_OK
    finally:
        await app.close()


__all__ = ["chat", "parse_now"]
