"""``frontdesk serve``: the HTTP server (web chat and channel webhooks) with the outbox
drainer beside it, or — with ``--workers N`` — the supervisor of N such processes
(``adapters.http.supervisor``).

Every business file is checked before anything listens: a file with a problem stops the
start (exit 2, every problem of every file listed) unless ``--skip-invalid``, which serves
the valid businesses and logs a warning for each business skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

from aiohttp import web

from ..business_files import ConfigError
from ..http.app import build_app, reply_router
from ..http.deadlines import DeadlineRunner
from ..http.logs import configure_logging, set_log_key
from ..http.ops import ops_access
from ..http.server import Metrics, RateLimiter, Server
from ..http.sessions import SECRET_VARIABLE, new_secret, session_keys
from ..http.supervisor import METRICS_VARIABLE, supervise, watch_supervisor, worker_index
from ..net import guarded_session, outbound_of, providers_outbound
from ..outbox import drainer_for
from ..privacy import retention_forever
from ..settings import Settings
from ..wiring import business_files, card_templates, open_app
from .output import EXIT_OK, EXIT_USAGE

UNDERSTAND_THREADS = 16  # understanding off the event loop; concurrent turns share passes


def exposure_warning(host: str, public_url: str) -> str:
    """The warning for listening beyond this machine without a public URL ("" when the
    address is loopback or the URL is set): webhook signatures are then checked against
    the URL each request claims, and the operator has not said where the server is."""
    if public_url:
        return ""
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return ""
    try:
        if ipaddress.ip_address(name.split("%", 1)[0]).is_loopback:
            return ""
    except ValueError:
        pass  # "" (every address), or a host name: treat as reachable from outside
    return (
        f"WARNING: frontdesk serve listens on {host or 'every address'} (not loopback) "
        "without a public URL. Set public_url (FRONTDESK_PUBLIC_URL or --public-url) to the "
        "https address the outside world uses, so webhook signatures are checked against "
        "it, or listen on 127.0.0.1 behind a proxy."
    )


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    """The HTTP server: web chat and channel webhooks, the outbox drainer beside it, and on
    SIGTERM/SIGINT a graceful stop (no new connections, in-flight turns finish, the outbox
    is drained once, the store closed). With ``--workers N`` (N > 1) this process only
    supervises N worker processes that share the port (``SO_REUSEPORT``)."""
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    worker = worker_index()
    exposure = exposure_warning(settings.host, settings.public_url)
    if exposure and not worker:  # once, from the process the operator started
        print(f"\n{'!' * 78}\n{exposure}\n{'!' * 78}\n", file=sys.stderr, flush=True)
    # wrong secrets or addresses stop the start here, before anything listens
    keys = session_keys(settings.session_secret_env, settings.session_ttl_s, settings.env)
    ops = ops_access(settings.ops_allow, settings.ops_token_env, settings.env)
    if args.workers > 1 and not worker:
        # the files once, here: a broken one is refused before N workers fail on it
        files = business_files(settings, card_templates(settings))
        problems = [p for f in files for p in f.problems]
        if problems and not args.skip_invalid:
            raise ConfigError("\n".join(problems))
        if not any(f.business is not None for f in files):
            raise ConfigError("no valid business to serve")
        # one session secret for every worker (unless configured): through the environment
        shared = {} if settings.session_secret_env else {SECRET_VARIABLE: new_secret()}
        return await supervise(
            [sys.executable, "-m", "adapters.cli", *sys.argv[1:]], args.workers, extra_env=shared
        )
    os.environ.pop(SECRET_VARIABLE, None)  # read into keys; nothing this process starts needs it
    configure_logging(settings.log_level)
    set_log_key(keys.derive("log"))  # every worker hashes an identifier alike
    log = logging.getLogger("frontdesk.serve")
    if exposure and not worker:
        log.warning("listening beyond loopback without a public URL", extra={"host": settings.host})
    app = await open_app(
        settings, understand_threads=UNDERSTAND_THREADS, skip_invalid=args.skip_invalid
    )
    if not app.brains:
        await app.close()
        raise ConfigError("no valid business to serve")
    server = Server(
        settings=settings,
        app=app,
        public_url=settings.public_url,
        sessions=keys,
        ops=ops,
        metrics=Metrics(multiprocess_dir=os.environ.get(METRICS_VARIABLE)),
        limiter=RateLimiter(
            per_sender=settings.rate_per_sender,
            per_business=settings.rate_per_business,
            per_address=settings.rate_per_address,
        ),
    )
    businesses = {k: b.business for k, b in app.brains.items()}
    # every outbound call through the guard: the providers' own URLs allowed, webhooks
    # only where outbound_allow says (apart, so neither reaches what only the other may)
    providers = guarded_session(providers_outbound(settings))
    webhooks = guarded_session(outbound_of(settings))
    drainer = drainer_for(
        app.store,
        businesses,
        extra={"reply": reply_router(settings, businesses, providers)},
        metrics=server.metrics.deliveries,
        session=webhooks,
        outbound=outbound_of(settings),
    )
    app.desk.outbox_ready = drainer.wake  # a turn's replies leave once it commits
    runner = DeadlineRunner(
        build_app(server),
        header_timeout_s=settings.header_timeout_s,
        shutdown_timeout=args.shutdown_timeout,
        access_log=None,
    )
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
        await web.TCPSite(
            runner, settings.host, settings.port, reuse_port=bool(worker) or None
        ).start()
        # what start-up built (the model, the brains, their rules and indexes) lives as
        # long as the process: out of the collector's sight, a full collection no longer
        # walks it, which took tens of milliseconds from a turn now and then
        gc.collect()
        gc.freeze()
        log.warning(
            "serving",
            extra={
                "host": settings.host,
                "port": settings.port,
                "worker": worker or "0",
                "pid": os.getpid(),
            },
        )
        background = [asyncio.create_task(drain_forever()), asyncio.create_task(recover())]
        if worker:
            background.append(asyncio.create_task(watch_supervisor(stop)))
        if worker in ("", "1"):  # one process sweeps (a second would find nothing left)
            background.append(
                asyncio.create_task(
                    retention_forever(app.store, businesses, stop, lambda: datetime.now(UTC))
                )
            )
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
        await server.flush_drops()
        return EXIT_OK
    finally:
        for task in background:
            task.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if not cleaned:
            await runner.cleanup()
        await providers.close()
        await webhooks.close()
        await app.close()


__all__ = ["UNDERSTAND_THREADS", "exposure_warning", "serve"]
