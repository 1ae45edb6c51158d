"""Several ``frontdesk serve`` processes on one port: the supervisor and the worker's half.

``frontdesk serve --workers N`` starts N copies of its own command line as worker processes
that share the port (``SO_REUSEPORT``), restarts one that dies, and on SIGTERM/SIGINT passes
the signal on and waits for them all to stop gracefully. The workers share one database
(PostgreSQL, or SQLite's one writer), take the conversation lock per turn, and count their
metrics in one directory, so ``/metrics`` from any of them shows the totals. A worker that
exits with status 2 (its configuration is wrong) is not restarted: the next one would fail
the same way, so the supervisor stops them all and exits with 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence

WORKER_VARIABLE = "FRONTDESK_SERVE_WORKER"  # set by the supervisor in each worker process
METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's multi-process mode
SUPERVISOR_VARIABLE = "FRONTDESK_SERVE_SUPERVISOR"  # the supervisor's pid, in each worker
CONFIGURATION_ERROR = 2  # a worker's exit status that restarting would not cure

log = logging.getLogger("frontdesk.serve")


def worker_index() -> str:
    """This process's worker number ("" when it is not a supervised worker)."""
    return os.environ.get(WORKER_VARIABLE, "")


async def supervise(
    argv: Sequence[str], workers: int, extra_env: Mapping[str, str] | None = None
) -> int:
    """Run ``argv`` as ``workers`` worker processes until SIGTERM/SIGINT; 0 when they all
    stopped cleanly, 1 when one did not, 2 when one failed on its configuration.
    ``extra_env``: variables every worker gets besides this process's (a secret they
    share: through the environment, never the command line)."""
    metrics_dir = tempfile.mkdtemp(prefix="frontdesk-metrics-")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def start(index: int) -> asyncio.subprocess.Process:
        env = dict(
            os.environ,
            **(extra_env or {}),
            **{
                WORKER_VARIABLE: str(index),
                METRICS_VARIABLE: metrics_dir,
                SUPERVISOR_VARIABLE: str(os.getpid()),
            },
        )
        return await asyncio.create_subprocess_exec(*argv, env=env)

    procs = {i: await start(i) for i in range(1, workers + 1)}
    print(
        f"frontdesk serve: {workers} workers (pids "
        f"{', '.join(str(p.pid) for p in procs.values())})",
        file=sys.stderr,
        flush=True,
    )
    failed = False
    try:
        while not stop.is_set():
            waits = {asyncio.ensure_future(p.wait()): i for i, p in procs.items()}
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait([*waits, stopping], return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                if w not in done:
                    w.cancel()
            if stop.is_set():
                break
            stopping.cancel()
            for w in done:
                index = waits[w]
                if procs[index].returncode == CONFIGURATION_ERROR:
                    log.error("serve worker %s failed on its configuration; stopping", index)
                    failed = True
                    stop.set()
                    break
                log.error(
                    "serve worker %s exited with %s; starting it again",
                    index,
                    procs[index].returncode,
                )
                await asyncio.sleep(1.0)
                procs[index] = await start(index)
        for p in procs.values():
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
        codes = [await p.wait() for p in procs.values()]
        if failed:
            return CONFIGURATION_ERROR
        return 0 if all(c == 0 for c in codes) else 1
    finally:
        for p in procs.values():
            if p.returncode is None:
                p.kill()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        shutil.rmtree(metrics_dir, ignore_errors=True)


async def watch_supervisor(stop: asyncio.Event) -> None:
    """A worker stops (gracefully) when its supervisor is gone, even if it was killed."""
    supervisor = int(os.environ.get(SUPERVISOR_VARIABLE, "0") or 0)
    while os.getppid() == supervisor and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    stop.set()


__all__ = [
    "METRICS_VARIABLE",
    "SUPERVISOR_VARIABLE",
    "WORKER_VARIABLE",
    "supervise",
    "watch_supervisor",
    "worker_index",
]
