"""Benchmark: the pure decision core and whole offline turns over the scripted conversations.

    python -m bench.turns [--rounds N]

Prints p50/p95/p99 of ``decide`` alone (re-run on every recorded turn with its recorded
understanding and action results) and of a whole turn (understand + decide + actions +
render + commit on SQLite), and turns per second, as a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import percentile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _row(name: str, ms: list[float]) -> str:
    return (
        f"| {name:<34} | {len(ms):>6} | {percentile(ms, 50):>8.3f} | {percentile(ms, 95):>8.3f} | "
        f"{percentile(ms, 99):>8.3f} | {1000 / statistics.mean(ms):>9.0f} |"
    )


async def main(rounds: int, cached: bool) -> None:
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from adapters.settings import Settings
    from adapters.wiring import language_backend, open_app, repo_path
    from engine.audit import TurnRecord
    from engine.decide import decide
    from language.embedding import MiniLMEmbedder
    from language.offline import OfflineBackend
    from tests.e2e.scripted import events, load_scripts

    scripts = load_scripts()
    turn_ms: list[float] = []
    decide_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            db=f"sqlite:///{tmp}/bench.db", businesses=repo_path("examples", "businesses")
        )
        language_backend(settings)  # sets the offline environment for the model
        # no embedding cache: every message is embedded afresh, as a new sentence would be
        embedder = MiniLMEmbedder(cache_size=1) if not cached else MiniLMEmbedder()
        app = await open_app(settings, language=OfflineBackend(embedder=embedder))
        try:
            # warm-up: load the model, compile rules, fill caches
            warm = scripts[0]
            for e in events(warm, app.brains[warm.business].business.timezone):
                await app.desk.handle(e)
            for _ in range(rounds):
                for conv in scripts:
                    tz = app.brains[conv.business].business.timezone
                    for e in events(conv, tz):
                        t0 = time.perf_counter()
                        await app.desk.handle(e)
                        turn_ms.append((time.perf_counter() - t0) * 1000)
            records = []
            for cid in await app.store.all_conversation_ids():
                records += [TurnRecord.model_validate(t.record) for t in await app.store.turns(cid)]
        finally:
            await app.close()
    for _ in range(3):
        for r in records:
            if r.decision is None:
                continue
            brain = app.brains[r.business]
            t0 = time.perf_counter()
            decide(brain, r.snapshot, r.understanding, r.now, r.results)
            decide_ms.append((time.perf_counter() - t0) * 1000)
    print(
        "| measure                            |  turns |  p50 ms  |  p95 ms  |  p99 ms  | per second |"
    )
    print(
        "|------------------------------------|-------:|---------:|---------:|---------:|----------:|"
    )
    print(_row("decide (pure core, all phases)", decide_ms))
    print(_row("whole turn (offline, SQLite)", turn_ms))
    print(
        f"\n{len(scripts)} scripted conversations x {rounds} rounds; embedding cache "
        f"{'on' if cached else 'off'}; python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cached",
        action="store_true",
        help="keep the embedding cache (repeated sentences cost ~1 ms)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.cached))
