"""Driving several ``bench.fleet`` worker processes against one database, for the race
and crash tests: real processes, the real desk, the real offline language layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.wiring import repo_path
from engine.ports import InboundEvent

REPO = repo_path()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    out: Path
    ready: Path
    log: Path

    def answers(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line]


def start(
    tmp: Path,
    name: str,
    db: str,
    events: Sequence[InboundEvent],
    *,
    go: Path | None = None,
    die_at: str = "",
    direct: bool = False,
) -> Worker:
    jobs = tmp / f"{name}.jobs.json"
    jobs.write_text(json.dumps([e.model_dump(mode="json") for e in events]))
    out, ready, log = tmp / f"{name}.out.jsonl", tmp / f"{name}.ready", tmp / f"{name}.log"
    argv = [
        sys.executable,
        "-m",
        "bench.fleet",
        "--db",
        db,
        "--jobs",
        str(jobs),
        "--out",
        str(out),
        "--ready",
        str(ready),
    ]
    if go is not None:
        argv += ["--go", str(go)]
    if die_at:
        argv += ["--die-at", die_at]
    if direct:
        argv.append("--direct")
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", FRONTDESK_LOG_LEVEL="ERROR"
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    return Worker(process, out, ready, log)


def wait_ready(workers: Sequence[Worker], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(w.ready.exists() for w in workers):
        for w in workers:
            if w.process.poll() is not None and not w.ready.exists():
                raise AssertionError(f"worker died while starting:\n{w.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("workers did not get ready in time")
        time.sleep(0.05)


def finish(workers: Sequence[Worker], timeout: float = 300.0) -> list[int]:
    codes = []
    for w in workers:
        try:
            codes.append(w.process.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            w.process.kill()
            raise AssertionError(f"worker hung:\n{w.log.read_text()[-3000:]}") from None
    return codes


__all__ = ["Worker", "finish", "start", "wait_ready"]
