"""The ``frontdesk`` command line.

Command names, flags and the shapes of their JSON output are a contract: tests outside
the repository drive ``frontdesk chat`` over pipes and read the JSON listings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.desk import APOLOGY as _APOLOGY
from engine.ports import InboundEvent, Store
from rules.errors import FrontdeskError

from .settings import Settings, parse_port, parse_public_url

EXIT_OK, EXIT_DIFF, EXIT_USAGE = 0, 1, 2


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


# ---------------------------------------------------------------------- chat


def _parse_now(value: str | None, tz: str) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as e:
        raise FrontdeskError(f"--now must be ISO-8601, e.g. 2026-11-24T09:30 ({e})") from e
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from .outbox import drainer_for
    from .wiring import open_app

    app = await open_app(settings, only=args.business)
    drainer = drainer_for(app.store, {k: b.business for k, b in app.brains.items()})
    try:
        brain = app.brains[args.business]
        fixed = _parse_now(args.now, brain.business.timezone)
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
                business=args.business, channel=args.channel, sender=sender,
                text=line.rstrip("\r\n"), provider_msg_id=f"cli-{session}-{n}",
                received_at=now, lang_hint=args.lang, customer_phone=args.customer)
            try:
                reply = await app.desk.handle(event, direct=True)
                await drainer.drain_once(now)  # deliver taken messages (file, webhook) at once
                text = _one_line(reply.text)
            except Exception:  # the desk already apologises; this is its last line of defence
                logging.getLogger("frontdesk.cli").exception("turn failed")
                text = _one_line(_APOLOGY.get(args.lang or brain.business.languages[0],
                                              _APOLOGY["en"]))
                reply = None
            if reply is not None and reply.options and interactive:
                text += "  [" + " | ".join(reply.options) + "]"
            print(f"desk: {text}", flush=True)
        return EXIT_OK
    finally:
        await app.close()


# ---------------------------------------------------------------------- listings


def _local(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).isoformat()


async def _listing(args: argparse.Namespace, settings: Settings) -> int:
    from store import open_store

    from .wiring import load_brains

    brains = load_brains(settings, only=args.business)
    b = brains[args.business].business
    store = await open_store(settings.db)
    try:
        await store.migrate()
        rows: list[dict[str, Any]]
        if args.command == "appointments":
            rows = []
            for a in await store.list_appointments(b.slug):
                service = b.service(a.service)
                rows.append({
                    "id": a.id, "service": service.name.get("en") or service.display(b.languages[0]),
                    "service_id": a.service, "staff": b.staff_member(a.staff).name,
                    "staff_id": a.staff, "start": _local(a.start, b.timezone),
                    "end": _local(a.end, b.timezone), "customer_name": a.customer_name,
                    "customer_phone": a.customer_phone, "status": a.status})
        elif args.command == "conversations":
            rows = [{"id": c.id, "channel": c.channel, "sender": c.sender, "turns": c.turns,
                     "active_topic": (c.state.get("active") or {}).get("card", ""),
                     "created_at": _local(c.created_at, b.timezone),
                     "updated_at": _local(c.updated_at, b.timezone)}
                    for c in await store.list_conversations(b.slug)]
        elif args.command == "escalations":
            rows = [{"id": e.id, "conversation_id": e.conversation_id, "reason": e.reason,
                     "created_at": _local(e.created_at, b.timezone), "status": e.status}
                    for e in await store.list_escalations(b.slug)]
        else:
            rows = [{"id": m.id, "conversation_id": m.conversation_id,
                     "caller_name": m.caller_name, "callback_number": m.callback_number,
                     "text": m.text, "created_at": _local(m.created_at, b.timezone)}
                    for m in await store.list_messages(b.slug)]
    finally:
        await store.close()
    if args.json:
        _print_json(rows)
    elif not rows:
        print(f"no {args.command}")
    else:
        for r in rows:
            print("  ".join(f"{k}={v}" for k, v in r.items() if k != "id"))
    return EXIT_OK


# ---------------------------------------------------------------------- audit & replay


def _turn_text(n: int, rec: dict[str, Any], digest: str) -> str:
    d = rec.get("decision") or {}
    und = rec["understanding"]
    top = und.get("topics", [])[:2]
    lines = [f"turn {n}  {rec['now']}  {rec['event']['channel']}",
             f"  customer: {rec['event']['text']!r}",
             f"  understood: lang={und['lang']} topics={[(t['topic'], round(t['score'], 2)) for t in top]} "
             f"fields={[(f['type'], f['value'] or f['problem']) for f in und.get('fields', [])]}"]
    if und.get("backend", "offline") != "offline":
        lines.append(f"  language: {und['backend']} ({und.get('model', '')})")
    calls = [*und.get("model_calls", []), *rec["reply"].get("model_calls", [])]
    for c in calls:
        why = f" because {c['reason']}" if c.get("reason") else ""
        note = f"; {c['note']}" if c.get("note") else ""
        lines.append(f"  model {c['purpose']}: {c['outcome']}{why}{note} "
                     f"[{c['tokens_in']}+{c['tokens_out']} tokens, {c['latency_ms']:.0f} ms, "
                     f"prompt {c['prompt_hash'][:12]}] raw {c['raw'][:200]!r}")
    for s in d.get("switches", []):
        lines.append(f"  topic: {s['source'] or '-'} -> {s['target']} ({s['kind']}, "
                     f"confidence {s['confidence']}) because {', '.join(s['reasons'])}")
    for f in d.get("firings", []):
        matched = ", ".join(f"{k}={v}" for k, v in f["matched"].items())
        lines.append(f"  rule [{f['phase']}#{f['round']}] {f['rule']}: {f['reason']}"
                     f"  on {{{matched}}} -> {'; '.join(f['then'])}")
    for t in d.get("transitions", []):
        mark = " REFUSED" if t["refused"] else ""
        lines.append(f"  transition {t['card']}: {t['source']} --{t['event']}--> "
                     f"{t['target']}{mark} (by {t['rule']})")
    for r in rec.get("results", []):
        lines.append(f"  action {r['name']} [{r['key']}] -> {'ok' if r['ok'] else 'failed'}"
                     f"{' ' + r['error'] if r['error'] else ''}")
    for a in d.get("actions", []):
        lines.append(f"    args {a['name']}: {a['args']}")
    plan = d.get("plan", {})
    lines.append(f"  plan: {[i['kind'] for i in plan.get('items', [])]}")
    lines.append(f"  reply: {rec['reply']['text']!r}")
    if rec.get("error"):
        lines.append(f"  error: {rec['error']}")
    lines.append(f"  hash: {digest}")
    return "\n".join(lines)


async def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from engine.audit import verify_chain
    from store import open_store

    store = await open_store(settings.db)
    try:
        await store.migrate()
        if args.target == "verify":
            ids = await store.all_conversation_ids()
            problems = []
            count = 0
            for cid in ids:
                turns = await store.turns(cid)
                count += len(turns)
                problems += verify_chain(turns)
            for p in problems:
                print(f"{p.conversation_id} turn {p.seq}: {p.message}")
            if problems:
                return EXIT_DIFF
            print(f"{len(ids)} conversations, {count} turns: every hash chain verifies")
            return EXIT_OK
        turns = await store.turns(args.target)
        if not turns:
            print(f"no conversation {args.target}", file=sys.stderr)
            return EXIT_DIFF
        if args.json:
            _print_json([{"seq": t.seq, "hash": t.hash, "prev_hash": t.prev_hash,
                          "record": t.record} for t in turns])
        else:
            print("\n\n".join(_turn_text(t.seq, t.record, t.hash) for t in turns))
        return EXIT_OK
    finally:
        await store.close()


async def _replay(args: argparse.Namespace, settings: Settings) -> int:
    """Re-decide recorded turns with their recorded understandings, clocks and action
    results. Against the configured cards and businesses it proves the audit; against
    changed ones it is a what-if: ``--cards DIR`` (card templates), ``--business-file
    PATH`` (one business's YAML: its policies, such as ``changes.late_window_hours``, hours,
    catalog and card overrides) or the global ``--businesses DIR``."""
    from engine.audit import replay
    from store import open_store

    brains = _replay_brains(args, settings)
    store = await open_store(settings.db)
    try:
        await store.migrate()
        ids = await store.all_conversation_ids() if args.all else [args.conversation]
        turns = []
        for cid in ids:
            turns += await store.turns(cid)
    finally:
        await store.close()
    if not args.all and not turns:
        print(f"no conversation {args.conversation}", file=sys.stderr)
        return EXIT_DIFF
    count, diffs = replay(brains, turns)
    if args.json:
        _print_json({"turns": count, "differ": len(diffs),
                     "differences": [d.to_dict() for d in diffs]})
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


def _replay_brains(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The brains a replay decides with: the configured ones, changed by ``--cards`` and
    ``--business-file``. Raises FrontdeskError (a usage error) for a path that is not there."""
    from engine.brain import Brain
    from engine.config_loader import load_business
    from machines.loader import load_cards

    from .wiring import card_templates, load_brains

    templates = dict(card_templates(settings))
    for raw in args.cards or ():
        if not Path(raw).exists():
            raise FrontdeskError(f"--cards {raw}: no such file or directory")
    if args.cards:
        templates.update(load_cards([Path(p) for p in args.cards]))
    changed: dict[str, Brain] = {}
    for raw in args.business_file or ():
        business = load_business(Path(raw), settings.env)
        if args.business and business.slug != args.business:
            raise FrontdeskError(f"--business-file {raw} is business '{business.slug}', "
                                 f"not '{args.business}'")
        changed[business.slug] = Brain.build(business, templates, source=raw)
    if args.business and args.business in changed:
        return dict(changed)
    brains: dict[str, Any] = load_brains(settings, cards=templates, only=args.business)
    brains.update(changed)
    return brains


# ---------------------------------------------------------------------- cards


def _cards(args: argparse.Namespace, settings: Settings) -> int:
    from machines.diagram import card_json_schema, rule_labels, to_dot, to_mermaid
    from machines.errors import InvalidCard
    from machines.loader import load_card_file

    if args.cards_command == "schema":
        _print_json(card_json_schema())
        return EXIT_OK
    if args.cards_command == "check":
        problems: list[str] = []
        count = 0
        for raw in args.paths:
            path = Path(raw)
            files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() \
                else [path]
            for f in files:
                try:
                    load_card_file(f)
                    count += 1
                except InvalidCard as e:
                    problems += [f"{p.file}:{p.line}: {p.message}" for p in e.problems]
                except OSError as e:
                    problems.append(f"{f}:0: cannot read: {e.strerror}")
        for p in problems:
            print(p)
        if problems:
            return EXIT_USAGE
        print(f"ok: {count} cards")
        return EXIT_OK
    from .wiring import load_brains

    brain = load_brains(settings, only=args.business)[args.business]
    topic = brain.topics.get(args.id)
    if topic is None:
        print(f"business {args.business} has no card '{args.id}' "
              f"(it has: {', '.join(sorted(brain.topics))})", file=sys.stderr)
        return EXIT_USAGE
    labels = rule_labels(topic.machine, topic.rulesets)
    if args.svg:
        try:
            svg = to_dot(topic.machine, labels).create_svg()
        except FileNotFoundError:
            print("error: --svg needs graphviz's 'dot' program, which is not installed "
                  "(Debian package: graphviz)", file=sys.stderr)
            return EXIT_USAGE
        return _emit(svg.decode("utf-8"), args.out)
    if args.mermaid:
        return _emit(to_mermaid(topic.machine, labels), args.out)
    card = topic.card
    lines = [f"{card.id}: {card.title.get('en', '')} (priority {card.priority})",
             "fields: " + ", ".join(f"{f.name}:{f.type}" for f in card.required_fields),
             "steps:  " + " -> ".join(f"{s.id}({s.kind})" for s in card.steps),
             "transitions:"]
    for tr in topic.machine.transitions:
        rules = ", ".join(labels.get((tr.source, tr.event, tr.target), ()))
        lines.append(f"  {tr.source} --{tr.event}--> {tr.target}"
                     + (f"   [{rules}]" if rules else ""))
    return _emit("\n".join(lines) + "\n", args.out)


def _emit(text: str, out: str | None) -> int:
    """Write a drawing or description to ``--out FILE``, or to stdout."""
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"error: --out {out}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


# ---------------------------------------------------------------------- db, outbox


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from store import open_store

    store = await open_store(settings.db)
    try:
        if args.db_command == "migrate":
            await store.migrate()
        version = await store.schema_version()  # type: ignore[attr-defined]
        print(f"schema version {version}")
        return EXIT_OK
    finally:
        await store.close()


async def _outbox(args: argparse.Namespace, settings: Settings) -> int:
    from store import open_store

    store = await open_store(settings.db)
    try:
        await store.migrate()
        if args.outbox_command == "retry":
            if bool(args.id) == bool(args.dead):
                print("outbox retry needs a row ID or --dead", file=sys.stderr)
                return EXIT_USAGE
            try:
                count = await store.requeue_outbox(args.id, args.dead, datetime.now(UTC))
            except (LookupError, ValueError) as e:  # an unknown or already sent row
                print(f"error: {e}", file=sys.stderr)
                return EXIT_USAGE
            print(f"re-queued {count} row{'s' if count != 1 else ''}")
            return EXIT_OK
        if args.outbox_command == "drain":
            return await _drain(args, settings, store)
        rows = [r for r in await store.outbox() if r.status in ("pending", "dead")]
        if args.json:
            _print_json([r.model_dump(mode="json") for r in rows])
        else:
            for r in rows:
                print(f"{r.id} {r.status} {r.kind} attempts={r.attempts} "
                      f"next={r.next_attempt_at.isoformat()} {r.last_error}".rstrip())
            print(f"{len(rows)} pending or dead")
        return EXIT_OK
    finally:
        await store.close()


async def _drain(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """Send due outbox rows; with ``--once`` one pass, else until interrupted."""
    from .outbox import drainer_for
    from .wiring import load_brains

    drainer = drainer_for(store, {k: b.business for k, b in load_brains(settings).items()})
    while True:
        counts = await drainer.drain_once(datetime.now(UTC))
        if counts:
            print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), flush=True)
        if args.once:
            return EXIT_OK
        if not counts:
            await asyncio.sleep(args.interval)


async def _recover(args: argparse.Namespace, settings: Settings) -> int:
    """Answer recorded inbound events whose turn never committed (a worker died)."""
    from .wiring import open_app

    app = await open_app(settings)
    try:
        cutoff = datetime.now(UTC) - timedelta(seconds=args.older_than)
        answered = await app.desk.recover(cutoff, limit=args.limit)
        print(f"answered {answered} event{'s' if answered != 1 else ''}")
        return EXIT_OK
    finally:
        await app.close()


# ---------------------------------------------------------------------- serve

UNDERSTAND_THREADS = 16  # understanding off the event loop; concurrent turns share passes


WORKER_VARIABLE = "FRONTDESK_SERVE_WORKER"  # set by the supervisor in each worker process
METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's multi-process mode
SUPERVISOR_VARIABLE = "FRONTDESK_SERVE_SUPERVISOR"  # the supervisor's pid, in each worker


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """The HTTP server: web chat and channel webhooks, the outbox drainer beside it, and on
    SIGTERM/SIGINT a graceful stop (no new connections, in-flight turns finish, the outbox
    is drained once, the store closed). With ``--workers N`` (N > 1) this process only
    supervises N worker processes that share the port (``SO_REUSEPORT``)."""
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    worker = os.environ.get(WORKER_VARIABLE, "")
    if args.workers > 1 and not worker:
        return await _supervise(args)
    import signal

    import aiohttp
    from aiohttp import web

    from .http.app import build_app, reply_router
    from .http.logs import configure_logging
    from .http.server import Metrics, RateLimiter, Server
    from .outbox import drainer_for
    from .wiring import open_app

    configure_logging(settings.log_level)
    log = logging.getLogger("frontdesk.serve")
    app = await open_app(settings, understand_threads=UNDERSTAND_THREADS)
    server = Server(settings=settings, app=app, public_url=settings.public_url,
                    metrics=Metrics(multiprocess_dir=os.environ.get(METRICS_VARIABLE)),
                    limiter=RateLimiter(per_sender=settings.rate_per_sender,
                                        per_business=settings.rate_per_business))
    businesses = {k: b.business for k, b in app.brains.items()}
    providers = aiohttp.ClientSession()
    drainer = drainer_for(app.store, businesses,
                          extra={"reply": reply_router(settings, businesses, providers)},
                          metrics=server.metrics.deliveries, session=providers)
    app.desk.outbox_ready = drainer.wake  # a turn's replies leave once it commits
    runner = web.AppRunner(build_app(server), shutdown_timeout=args.shutdown_timeout,
                           access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def drain_forever() -> None:
        # stops between drains, never inside one: a drain cancelled mid-transaction could
        # leave the connection in it (SQLite: "cannot start a transaction within a
        # transaction" on the next)
        while not stop.is_set():
            try:
                counts = await drainer.drain_once(datetime.now(UTC))
            except Exception:  # a bad row or a database hiccup must not stop the drainer
                log.exception("outbox drain failed")
                counts = {}
            if not counts:
                await drainer.idle(1.0, stop)

    async def recover() -> None:
        try:
            answered = await app.desk.recover(datetime.now(UTC) - timedelta(seconds=60))
            if answered:
                log.info("recovered unanswered events", extra={"count": answered})
        except Exception:
            log.exception("recovery failed")

    background: list[asyncio.Task[None]] = []
    cleaned = False
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port,
                          reuse_port=bool(worker) or None).start()
        # what start-up built (the model, the brains, their rules and indexes) lives as
        # long as the process: out of the collector's sight, a full collection no longer
        # walks it, which took tens of milliseconds from a turn now and then
        gc.collect()
        gc.freeze()
        log.warning("serving", extra={"host": settings.host, "port": settings.port,
                                      "worker": worker or "0", "pid": os.getpid()})
        background = [asyncio.create_task(drain_forever()), asyncio.create_task(recover())]
        if worker:
            background.append(asyncio.create_task(_orphaned(stop)))
        await stop.wait()
        log.warning("shutting down")
        cleaned = True
        await runner.cleanup()  # stop accepting, let in-flight handlers finish
        # the drainer stops after its current drain and recovery finishes its turns;
        # only what outlives the shutdown timeout is cancelled
        _, late = await asyncio.wait(background, timeout=args.shutdown_timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await drainer.drain_once(datetime.now(UTC))
        return EXIT_OK
    finally:
        for task in background:
            task.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if not cleaned:
            await runner.cleanup()
        await providers.close()
        await app.close()


async def _orphaned(stop: asyncio.Event) -> None:
    """A worker stops (gracefully) when its supervisor is gone, even if it was killed."""
    supervisor = int(os.environ.get(SUPERVISOR_VARIABLE, "0") or 0)
    while os.getppid() == supervisor and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    stop.set()


async def _supervise(args: argparse.Namespace) -> int:
    """Start ``--workers`` copies of this ``serve`` command as worker processes sharing
    the port, restart one that dies, and on SIGTERM/SIGINT pass the signal on and wait
    for them all to stop gracefully. The workers share one database (PostgreSQL, or
    SQLite's one writer), take the conversation lock per turn, and count their metrics
    in one directory, so ``/metrics`` from any of them shows the totals."""
    import shutil
    import signal
    import tempfile

    log = logging.getLogger("frontdesk.serve")
    metrics_dir = tempfile.mkdtemp(prefix="frontdesk-metrics-")
    argv = [sys.executable, "-m", "adapters.cli", *sys.argv[1:]]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def start(index: int) -> asyncio.subprocess.Process:
        env = dict(os.environ, **{WORKER_VARIABLE: str(index), METRICS_VARIABLE: metrics_dir,
                                  SUPERVISOR_VARIABLE: str(os.getpid())})
        return await asyncio.create_subprocess_exec(*argv, env=env)

    procs = {i: await start(i) for i in range(1, args.workers + 1)}
    print(f"frontdesk serve: {args.workers} workers (pids "
          f"{', '.join(str(p.pid) for p in procs.values())})", file=sys.stderr, flush=True)
    try:
        while not stop.is_set():
            waits = {asyncio.ensure_future(p.wait()): i for i, p in procs.items()}
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait([*waits, stopping],
                                         return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                if w not in done:
                    w.cancel()
            if stop.is_set():
                break
            stopping.cancel()
            for w in done:
                index = waits[w]
                log.error("serve worker %s exited with %s; starting it again", index,
                          procs[index].returncode)
                await asyncio.sleep(1.0)
                procs[index] = await start(index)
        for p in procs.values():
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
        codes = [await p.wait() for p in procs.values()]
        return EXIT_OK if all(c == 0 for c in codes) else EXIT_DIFF
    finally:
        for p in procs.values():
            if p.returncode is None:
                p.kill()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        shutil.rmtree(metrics_dir, ignore_errors=True)


# ---------------------------------------------------------------------- verify


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    """Model-check cards with their rules: every reachable conversation, or the shortest
    one that breaks a check. With ``--business`` (or no flag: every business) the business's
    compiled cards and rules; with ``--cards`` the card files there, each with the default
    policies and the bundled cards beside it (which decides ``business.has_human``, ...)."""
    import time

    from engine.desk import MAX_ACTIONS_PER_TURN
    from engine.turn import MAX_ROUNDS
    from machines.verify import StateLimitExceeded, compile_subject, format_counterexample, verify

    if args.max_states < 1:
        print("error: --max-states must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    subjects: list[tuple[str, Any, Any, Any, dict[str, Any]]] = []
    if args.cards:
        from machines.loader import bundled_cards, load_cards

        path = Path(args.cards)
        if not path.exists():
            print(f"error: --cards {args.cards}: no such file or directory", file=sys.stderr)
            return EXIT_USAGE
        try:
            cards = load_cards([path])
        except OSError as e:
            print(f"error: {e.filename}:0: cannot read: {e.strerror}", file=sys.stderr)
            return EXIT_USAGE
        context = set(bundled_cards()) | set(cards)
        fixed = {f"business.has_{c}": c in context for c in ("emergency", "human", "message")}
        for card_id, card in sorted(cards.items()):
            subjects.append((card_id, *compile_subject(card), fixed))
    else:
        from .wiring import load_brains

        for slug, brain in sorted(load_brains(settings, only=args.business).items()):
            fixed = {f"business.has_{c}": c in brain.topics
                     for c in ("emergency", "human", "message")}
            for card_id, topic in brain.topics.items():
                subjects.append((f"{slug}/{card_id}", topic.machine, topic.rules,
                                 topic.rulesets, fixed))
    rows: list[dict[str, Any]] = []
    for name, machine, engine, rulesets, fixed in subjects:
        start = time.perf_counter()
        try:
            report = verify(machine, engine, rulesets, fixed=fixed, max_states=args.max_states,
                            max_rounds=MAX_ROUNDS, max_actions=MAX_ACTIONS_PER_TURN)
        except StateLimitExceeded as e:
            rows.append({"card": name, "states": e.limit, "transitions": e.transitions,
                         "ms": round((time.perf_counter() - start) * 1000), "result": "LIMIT",
                         "error": str(e), "violations": []})
            continue
        ms = round((time.perf_counter() - start) * 1000)
        rows.append({"card": name, "states": report.states, "transitions": report.transitions,
                     "ms": ms, "result": "OK" if report.ok else "FAIL", "report": report,
                     "violations": [v.to_dict() for v in report.violations]})
    failed = any(r["result"] == "FAIL" for r in rows)
    limited = any(r["result"] == "LIMIT" for r in rows)
    if args.json:
        _print_json({"ok": not failed and not limited, "cards": [
            {k: v for k, v in r.items() if k != "report"} for r in rows]})
    else:
        width = max((len(r["card"]) for r in rows), default=4)
        print(f"{'card':<{width}}  {'states':>7}  {'transitions':>11}  {'ms':>6}  result")
        for r in rows:
            print(f"{r['card']:<{width}}  {r['states']:>7}  {r['transitions']:>11}  "
                  f"{r['ms']:>6}  {r['result']}")
        for r in rows:
            if r["result"] == "LIMIT":
                print(f"\n{r['card']}: {r['error']}")
            for v in r["report"].violations if r["result"] == "FAIL" else ():
                print(f"\n{r['card']}: {v.kind}: {v.message}")
                print(format_counterexample(v.counterexample))
    return EXIT_DIFF if failed else EXIT_USAGE if limited else EXIT_OK


# ---------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="frontdesk", description="An AI front desk.")
    p.add_argument("--config", metavar="PATH",
                   help="TOML configuration file (default: $FRONTDESK_CONFIG, else "
                        "./frontdesk.toml when it exists); FRONTDESK_* variables and flags "
                        "override it")
    p.add_argument("--db", help="database URL (default: $FRONTDESK_DB or ./frontdesk.db)")
    p.add_argument("--businesses", help="directory of business YAML files")
    sub = p.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to a business in the terminal (or over pipes)")
    chat.add_argument("--business", required=True)
    chat.add_argument("--lang", choices=("de", "en"))
    chat.add_argument("--channel", choices=("sms", "webchat", "voice", "cli"), default="webchat")
    chat.add_argument("--customer", help="caller id (phone number)")
    chat.add_argument("--now", help="fix the clock (ISO-8601; business timezone if no offset)")

    for name in ("appointments", "conversations", "escalations", "messages"):
        sp = sub.add_parser(name, help=f"list {name}")
        sp.add_argument("--business", required=True)
        sp.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="show a conversation's audit trail, or 'verify'")
    audit.add_argument("target", help="a conversation id, or 'verify'")
    audit.add_argument("--json", action="store_true")

    rp = sub.add_parser("replay", help="re-run recorded turns and compare decisions; with "
                                       "changed cards or business files, a what-if")
    rp.add_argument("conversation", nargs="?")
    rp.add_argument("--all", action="store_true")
    rp.add_argument("--cards", action="append", metavar="DIR",
                    help="replay against changed card templates (a directory or a file; "
                         "repeatable)")
    rp.add_argument("--business-file", action="append", metavar="PATH",
                    help="replay against a changed business file (policies, hours, card "
                         "overrides) in place of the configured one of its slug; repeatable")
    rp.add_argument("--business", help="only this business's conversations")
    rp.add_argument("--json", action="store_true")

    cards = sub.add_parser("cards", help="check, describe and draw topic cards")
    csub = cards.add_subparsers(dest="cards_command", required=True)
    check = csub.add_parser("check")
    check.add_argument("paths", nargs="+")
    csub.add_parser("schema")
    show = csub.add_parser("show")
    show.add_argument("id")
    show.add_argument("--business", required=True)
    drawing = show.add_mutually_exclusive_group()
    drawing.add_argument("--mermaid", action="store_true", help="draw it as a Mermaid flowchart")
    drawing.add_argument("--svg", action="store_true", help="draw it as SVG (graphviz's dot)")
    show.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")

    vf = sub.add_parser("verify", help="model-check cards and their rules: a proof, or the "
                                       "shortest conversation that breaks a check")
    which = vf.add_mutually_exclusive_group()
    which.add_argument("--business", help="one business's cards and rules (default: every "
                                          "business)")
    which.add_argument("--cards", metavar="DIR", help="card files, with the default policies")
    vf.add_argument("--json", action="store_true")
    vf.add_argument("--max-states", type=int, default=50_000,  # machines.verify.DEFAULT_MAX_STATES
                    help="give up on a card after this many states (default: 50000)")

    db = sub.add_parser("db", help="database schema")
    dsub = db.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("migrate")
    dsub.add_parser("check")

    ob = sub.add_parser("outbox", help="pending and dead outbound deliveries; retry; drain")
    ob.add_argument("--json", action="store_true")
    osub = ob.add_subparsers(dest="outbox_command")
    retry = osub.add_parser("retry", help="re-queue a row by ID, or every dead row")
    retry.add_argument("id", nargs="?")
    retry.add_argument("--dead", action="store_true")
    drain = osub.add_parser("drain", help="send due rows (until interrupted, or --once)")
    drain.add_argument("--once", action="store_true")
    drain.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    rc = sub.add_parser("recover", help="answer inbound events whose turn never committed")
    rc.add_argument("--older-than", type=float, default=60.0,
                    help="only events received at least this many seconds ago")
    rc.add_argument("--limit", type=int, default=100)

    sv = sub.add_parser("serve", help="the HTTP server: web chat and channel webhooks")
    sv.add_argument("--host", help="address to listen on (default: $FRONTDESK_HOST or "
                                   "127.0.0.1)")
    sv.add_argument("--port", type=int, help="port (default: $FRONTDESK_PORT or 8080)")
    sv.add_argument("--public-url", help="the URL providers see (default: "
                                         "$FRONTDESK_PUBLIC_URL)")
    sv.add_argument("--workers", type=int, default=1,
                    help="worker processes sharing the port (default: 1); the database is "
                         "shared, so use PostgreSQL for more than one")
    sv.add_argument("--shutdown-timeout", type=float, default=30.0,
                    help="seconds in-flight requests get to finish on shutdown")
    return p


def load_settings(args: argparse.Namespace,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """The settings for one run, read once: defaults < the configuration file < FRONTDESK_*
    variables < command-line flags (see ``adapters.settings``). Raises SettingsError."""
    settings = Settings.load(environ, config=args.config)
    if args.db:
        settings = settings.with_(db=args.db)
    if args.businesses:
        settings = settings.with_(businesses=Path(args.businesses))
    if args.command == "serve":
        if args.host:
            settings = settings.with_(host=args.host)
        if args.port is not None:
            settings = settings.with_(port=parse_port(str(args.port), "--port"))
        if args.public_url is not None:
            settings = settings.with_(public_url=parse_public_url(args.public_url,
                                                                  "--public-url"))
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args)
        logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                            format="%(levelname)s %(name)s %(message)s")
    except (FrontdeskError, ValueError) as e:  # a bad file, variable or flag: say which
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "replay" and not args.all and not args.conversation:
        print("replay needs a CONVERSATION_ID or --all", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "chat":
            return asyncio.run(_chat(args, settings))
        if args.command in ("appointments", "conversations", "escalations", "messages"):
            return asyncio.run(_listing(args, settings))
        if args.command == "audit":
            return asyncio.run(_audit(args, settings))
        if args.command == "replay":
            return asyncio.run(_replay(args, settings))
        if args.command == "cards":
            return _cards(args, settings)
        if args.command == "verify":
            return _verify(args, settings)
        if args.command == "db":
            return asyncio.run(_db(args, settings))
        if args.command == "outbox":
            return asyncio.run(_outbox(args, settings))
        if args.command == "recover":
            return asyncio.run(_recover(args, settings))
        if args.command == "serve":
            return asyncio.run(_serve(args, settings))
    except FrontdeskError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
