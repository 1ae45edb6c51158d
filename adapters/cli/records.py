"""What the desk recorded: the listings (appointments, conversations, escalations,
messages), a conversation's audit trail, and replay (the proof, or a what-if).

Text listings print one row a line, its id first (whole: the JSON has the same id); the
JSON shapes are a contract. Wherever a conversation id is taken, a unique prefix of at least
4 characters will do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.audit import ChainProblem, check_chain
from engine.audit import replay as replay_turns
from engine.brain import Brain
from engine.ports import StoredTurn
from machines.loader import load_cards
from rules.errors import FrontdeskError
from store import open_store
from store.ports import Records

from ..business_files import load_business
from ..net import outbound_of
from ..settings import Settings
from ..wiring import business_of, card_templates, load_brains
from .audit_text import turn_text
from .output import EXIT_DIFF, EXIT_OK, UnknownId, local, one_line, print_json, resolve_id

LISTINGS = ("appointments", "conversations", "escalations", "messages")


async def listing(args: argparse.Namespace, settings: Settings) -> int:
    b = business_of(settings, args.business)
    store = await open_store(settings.db)
    try:
        await store.migrate()
        rows: list[dict[str, Any]]
        if args.command == "appointments":
            rows = []
            for a in await store.list_appointments(b.slug):
                service = next((s for s in b.services if s.id == a.service), None)
                member = next((m for m in b.staff if m.id == a.staff), None)
                rows.append(
                    {
                        "id": a.id,
                        "service": (service.name.get("en") or service.display(b.languages[0]))
                        if service
                        else a.service,
                        "service_id": a.service,
                        "staff": member.name if member else a.staff,
                        "staff_id": a.staff,
                        "start": local(a.start, b.timezone),
                        "end": local(a.end, b.timezone),
                        "customer_name": a.customer_name,
                        "customer_phone": a.customer_phone,
                        "status": a.status,
                    }
                )
        elif args.command == "conversations":
            rows = [
                {
                    "id": c.id,
                    "channel": c.channel,
                    "sender": c.sender,
                    "turns": c.turns,
                    "active_topic": (c.state.get("active") or {}).get("card", ""),
                    "created_at": local(c.created_at, b.timezone),
                    "updated_at": local(c.updated_at, b.timezone),
                }
                for c in await store.list_conversations(b.slug)
            ]
        elif args.command == "escalations":
            rows = [
                {
                    "id": e.id,
                    "conversation_id": e.conversation_id,
                    "reason": e.reason,
                    "created_at": local(e.created_at, b.timezone),
                    "status": e.status,
                }
                for e in await store.list_escalations(b.slug)
            ]
        else:
            rows = [
                {
                    "id": m.id,
                    "conversation_id": m.conversation_id,
                    "caller_name": m.caller_name,
                    "callback_number": m.callback_number,
                    "text": m.text,
                    "created_at": local(m.created_at, b.timezone),
                }
                for m in await store.list_messages(b.slug)
            ]
    finally:
        await store.close()
    if args.json:
        print_json(rows)
    elif not rows:
        print(f"no {args.command}")
    else:
        for r in rows:
            print(
                "  ".join(
                    [
                        str(r["id"]),
                        *(
                            f"{k}={'-' if v is None else one_line(str(v))}"
                            for k, v in r.items()
                            if k != "id"
                        ),
                    ]
                )
            )
    return EXIT_OK


async def conversation_turns(store: Records, given: str) -> list[StoredTurn]:
    """The turns of the conversation whose id is ``given`` or starts with it (UnknownId /
    AmbiguousId when that names none or several)."""
    turns = await store.turns(given)
    if turns:
        return turns
    return await store.turns(resolve_id(given, await store.all_conversation_ids(), "conversation"))


async def audit(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings.db)
    try:
        await store.migrate()
        if args.target == "verify":
            ids = await store.all_conversation_ids()
            problems: list[ChainProblem] = []
            count = erased = links_only = 0
            for cid in ids:
                report = check_chain(await store.turns(cid))
                count += report.records
                erased += report.erased
                links_only += report.links_only
                problems += report.problems
            for p in problems:
                print(f"{p.conversation_id} turn {p.seq}: {p.message}")
            if problems:
                return EXIT_DIFF
            print(f"{len(ids)} conversations, {count} turns: every hash chain verifies")
            if erased:
                print(
                    f"{erased} turns erased (tombstones: their hashes verify without the "
                    "personal parts)"
                    + (
                        f"; {links_only} of them older records, erased, link checked"
                        if links_only
                        else ""
                    )
                )
            return EXIT_OK
        try:
            turns = await conversation_turns(store, args.target)
        except UnknownId as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_DIFF
        if args.json:
            print_json(
                [
                    {"seq": t.seq, "hash": t.hash, "prev_hash": t.prev_hash, "record": t.record}
                    for t in turns
                ]
            )
        else:
            cid = turns[0].conversation_id
            print(
                f"conversation {cid}  ({turns[0].record.get('business', '')}, "
                f"{len(turns)} turn{'s' if len(turns) != 1 else ''})\n"
            )
            print("\n\n".join(turn_text(t.seq, t.record, t.hash) for t in turns))
        return EXIT_OK
    finally:
        await store.close()


async def replay(args: argparse.Namespace, settings: Settings) -> int:
    """Re-decide recorded turns with their recorded understandings, clocks and action
    results. Against the configured cards and businesses it proves the audit; against
    changed ones it is a what-if: ``--cards DIR`` (card templates), ``--business-file
    PATH`` (one business's YAML: its policies, such as ``changes.late_window_hours``, hours,
    catalog and card overrides) or the global ``--businesses DIR``."""
    brains = replay_brains(args, settings)
    store = await open_store(settings.db)
    try:
        await store.migrate()
        turns: list[StoredTurn] = []
        if args.all:
            for cid in await store.all_conversation_ids():
                turns += await store.turns(cid)
        else:
            try:
                turns = await conversation_turns(store, args.conversation)
            except UnknownId as e:
                print(f"error: {e}", file=sys.stderr)
                return EXIT_DIFF
    finally:
        await store.close()
    count, diffs = replay_turns(brains, turns)
    if args.json:
        print_json(
            {"turns": count, "differ": len(diffs), "differences": [d.to_dict() for d in diffs]}
        )
        return EXIT_DIFF if diffs else EXIT_OK
    if not diffs:
        print(f"{count} turns identical")
        return EXIT_OK
    for d in diffs:
        print(f"{d.conversation_id} turn {d.seq} ({d.business}) customer: {d.text!r}")
        for line in d.lines:
            print(f"  {line}")
    print(f"{len(diffs)} of {count} turns differ")
    return EXIT_DIFF


def replay_brains(args: argparse.Namespace, settings: Settings) -> dict[str, Brain]:
    """The brains a replay decides with: the configured ones, changed by ``--cards`` and
    ``--business-file``. Raises FrontdeskError (a usage error) for a path that is not there."""
    templates = dict(card_templates(settings))
    for raw in args.cards or ():
        if not Path(raw).exists():
            raise FrontdeskError(f"--cards {raw}: no such file or directory")
    if args.cards:
        templates.update(load_cards([Path(p) for p in args.cards]))
    changed: dict[str, Brain] = {}
    for raw in args.business_file or ():
        business = load_business(Path(raw), settings.env, templates, outbound_of(settings))
        if args.business and business.slug != args.business:
            raise FrontdeskError(
                f"--business-file {raw} is business '{business.slug}', not '{args.business}'"
            )
        changed[business.slug] = Brain.build(business, templates, source=raw)
    if args.business and args.business in changed:
        return dict(changed)
    brains = load_brains(settings, cards=templates, only=args.business)
    brains.update(changed)
    return brains


__all__ = ["LISTINGS", "audit", "conversation_turns", "listing", "replay", "replay_brains"]
