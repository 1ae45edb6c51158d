"""Retention and customer data: ``frontdesk retention sweep`` (erase what is past each
business's retention periods) and ``frontdesk customer export|erase PHONE --business SLUG``
(everything held about a phone number, as JSON; the right to erasure). What is erased and
how the audit chain survives it: ``adapters.privacy``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from rules.errors import FrontdeskError
from store import open_store

from ..privacy import erase_customer, export_customer, sweep
from ..settings import Settings
from ..wiring import business_files, business_of, card_templates
from .output import EXIT_DIFF, EXIT_OK, print_json


def _now(raw: str | None) -> datetime:
    if not raw:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as e:
        raise FrontdeskError(f"--now {raw!r}: not an ISO-8601 time") from e
    if moment.tzinfo is None:
        raise FrontdeskError(f"--now {raw!r}: give an offset (e.g. +00:00)")
    return moment


async def retention(args: argparse.Namespace, settings: Settings) -> int:
    """``retention sweep``: every business (or ``--business``), ``--dry-run`` counts only."""
    now = _now(args.now)
    if args.business:
        chosen = [business_of(settings, args.business)]
    else:
        files = business_files(settings, card_templates(settings))
        chosen = [f.business for f in files if f.business is not None]
    store = await open_store(settings.db)
    try:
        await store.migrate()
        done = [await sweep(store, b, now, dry_run=args.dry_run) for b in chosen]
    finally:
        await store.close()
    if args.json:
        print_json([d.to_dict() for d in done])
    else:
        for d in done:
            print(d.line())
    return EXIT_OK


async def customer(args: argparse.Namespace, settings: Settings) -> int:
    """``customer export PHONE`` (JSON on stdout) and ``customer erase PHONE``."""
    b = business_of(settings, args.business)
    phone = args.phone.strip()
    if not phone:
        raise FrontdeskError("give the customer's phone number as it is stored (e.g. +15035550171)")
    store = await open_store(settings.db)
    try:
        await store.migrate()
        if args.customer_command == "export":
            data = await export_customer(store, b.slug, phone)
            if data is None:
                print(f"nothing is held about that number at {b.slug}", file=sys.stderr)
                return EXIT_DIFF
            print_json(data)
            return EXIT_OK
        done = await erase_customer(store, b.slug, phone, _now(None))
    finally:
        await store.close()
    if done is None:  # erased already, or never known: nothing to do, which is the goal
        print(f"nothing is held about that number at {b.slug}; nothing to erase")
        return EXIT_OK
    if args.json:
        print_json(done.to_dict())
    else:
        print(done.line())
    return EXIT_OK


__all__ = ["customer", "retention"]
