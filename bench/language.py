"""Benchmark: the offline, hybrid and llm language backends over the scripted conversations.

    python -m bench.language [--modes offline,hybrid,hybrid+words,llm]
                             [--provider transformers|llamacpp]
                             [--business SLUG] [--limit N]

Each mode runs every scripted conversation (``tests/e2e/conversations.yaml``) through a
real desk on a fresh SQLite database, with the packaged SmolLM2-135M-Instruct as the model
(loaded once, shared by the modes). Per mode it prints model calls per turn (understanding
and wording), tokens per conversation, turn latency p50/p99, and task success: a
conversation succeeds when every turn decides the expected reply-plan items and, where the
script names them, the intended appointments, messages and escalations are in the database
afterwards. A design that runs a classifier, an escalation check, an extractor and a
responder model on every turn makes 4 calls a turn; the ``llm`` mode is that design.
``hybrid+words`` is hybrid understanding with every reply worded by the model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.stats import percentile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@dataclass
class Result:
    mode: str
    turns: int = 0
    conversations: int = 0
    succeeded: int = 0
    calls: int = 0
    failed_calls: int = 0
    tokens: int = 0
    latency_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _matches(row: dict[str, Any], want: dict[str, Any]) -> bool:
    return all(str(row.get(k)) == str(v) for k, v in want.items())


async def _outcome(app: Any, conv: Any, conversation_id: str) -> str:
    """Why the conversation did not end as intended; ``""`` when it did."""
    store, after = app.store, conv.after
    tz = ZoneInfo(app.brains[conv.business].business.timezone)
    if "appointments" in after:
        rows = [
            {
                "service_id": a.service,
                "status": a.status,
                "date": a.start.astimezone(tz).date().isoformat(),
                "customer_name": a.customer_name,
            }
            for a in await store.list_appointments(conv.business)
        ]
        want = after["appointments"]
        if len(rows) != len(want) or not all(any(_matches(r, w) for r in rows) for w in want):
            return f"appointments {rows}"
    if "messages" in after:
        rows = [
            {"caller_name": m.caller_name, "callback_number": m.callback_number, "text": m.text}
            for m in await store.list_messages(conv.business)
            if m.conversation_id == conversation_id
        ]
        if len(rows) != len(after["messages"]) or not all(
            any(_matches(r, w) for r in rows) for w in after["messages"]
        ):
            return f"messages {rows}"
    if "escalations" in after:
        n = len(
            [
                e
                for e in await store.list_escalations(conv.business)
                if e.conversation_id == conversation_id
            ]
        )
        if n != after["escalations"]:
            return f"{n} escalations"
    return ""


async def run_mode(mode: str, model: Any, scripts: list[Any], offline: Any) -> Result:
    from adapters.llm import business_brief
    from adapters.settings import Settings
    from adapters.wiring import open_app, repo_path
    from engine.audit import TurnRecord
    from language.llm import LLMBackend
    from tests.e2e.scripted import events

    result = Result(mode)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            db=f"sqlite:///{tmp}/bench.db",
            cache_dir=None,
            businesses=repo_path("examples", "businesses"),
        )
        app = await open_app(settings, language=offline)
        try:
            if mode != "offline":
                base, _, words = mode.partition("+")
                app.desk.languages = {
                    slug: LLMBackend(
                        model,
                        offline,
                        business_brief(brain),
                        mode=base,  # type: ignore[arg-type]
                        words=bool(words) or None,
                    )
                    for slug, brain in app.brains.items()
                }
            for conv in scripts:
                tz = app.brains[conv.business].business.timezone
                ok, cid = True, ""
                for turn, event in zip(conv.turns, events(conv, tz), strict=True):
                    t0 = time.perf_counter()
                    reply = await app.desk.handle(event)
                    result.latency_ms.append((time.perf_counter() - t0) * 1000)
                    cid = reply.conversation_id
                    stored = await app.store.turn_for(conv.business, event.provider_msg_id)
                    record = TurnRecord.model_validate(stored.record) if stored else None
                    kinds = (
                        [i.kind for i in record.decision.plan.items]
                        if record and record.decision
                        else []
                    )
                    missing = [k for k in turn.expect if k not in kinds]
                    if missing:
                        ok = False
                        result.failures.append(f"[{conv.name}] {turn.say!r}: missing {missing}")
                    if record is not None:
                        calls = record.understanding.model_calls + record.reply.model_calls
                        result.calls += len(calls)
                        result.failed_calls += sum(
                            c.outcome not in ("ok", "rejected") for c in calls
                        )
                        result.tokens += sum(c.tokens_in + c.tokens_out for c in calls)
                    result.turns += 1
                why = await _outcome(app, conv, cid)
                if why:
                    ok = False
                    result.failures.append(f"[{conv.name}] ended with {why}")
                result.conversations += 1
                result.succeeded += ok
        finally:
            await app.close()
    return result


def load_model(provider: str) -> Any:
    from adapters.llm import SMOLLM2, LlamaCppModel, load_transformers, smollm2_path

    if provider == "llamacpp":
        return LlamaCppModel(smollm2_path(), "SmolLM2-135M-Instruct")
    return load_transformers(SMOLLM2, timeout_s=120)


async def main(modes: list[str], provider: str, business: str | None, limit: int) -> None:
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from language.embedding import shared_minilm
    from language.offline import OfflineBackend
    from tests.e2e.scripted import load_scripts

    scripts = [c for c in load_scripts() if business is None or c.business == business]
    if limit:
        scripts = scripts[:limit]
    offline = OfflineBackend(embedder=shared_minilm())
    t0 = time.perf_counter()
    model = load_model(provider) if any(m != "offline" for m in modes) else None
    loaded = time.perf_counter() - t0
    # one unreported offline pass first, so that no mode pays for warming the embedding
    # caches and the first database
    await run_mode("offline", None, scripts, offline)
    results = []
    for mode in modes:
        started = time.perf_counter()
        results.append(await run_mode(mode, model, scripts, offline))
        print(f"{mode}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(
        "| backend | turns | model calls / turn | tokens / conversation | turn p50 ms "
        "| turn p99 ms | task success |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.mode} | {r.turns} | {r.calls / max(r.turns, 1):.2f} "
            f"| {r.tokens / max(r.conversations, 1):.0f} | {percentile(r.latency_ms, 50):.0f} "
            f"| {percentile(r.latency_ms, 99):.0f} | {r.succeeded}/{r.conversations} |"
        )
    print(
        f"\nmodel: SmolLM2-135M-Instruct Q4_1 via {provider} (loaded in {loaded:.0f} s), "
        f"offline: all-MiniLM-L6-v2; {len(scripts)} scripted conversations; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, 1 torch thread"
    )
    for r in results:
        if r.failed_calls:
            print(
                f"{r.mode}: {r.failed_calls} model calls failed or were refused "
                "(the turn fell back to offline / the template)"
            )
        for line in r.failures[:15]:
            print(f"{r.mode}: {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--modes", default="offline,hybrid,hybrid+words,llm")
    parser.add_argument("--provider", default="transformers", choices=("transformers", "llamacpp"))
    parser.add_argument("--business", default=None)
    parser.add_argument("--limit", type=int, default=0, help="only the first N conversations")
    args = parser.parse_args()
    asyncio.run(main(args.modes.split(","), args.provider, args.business, args.limit))
