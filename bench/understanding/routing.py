"""Topic routing on public data: the first message of a new web-chat conversation.

Each message is understood and decided exactly as the first turn of a conversation is
(``engine.brain.understand_context``, the business's language backend, ``engine.decide``);
what counts is the topic the conversation is in after that turn.

* **SGD booking requests** (bloom-salon): must open ``book``.
* **CLINC150 unrelated requests** (bloom-salon) and **xSID unrelated requests** (German to
  praxis-sommer, English to bloom-salon): must not enter a side-effecting topic (one whose
  card runs a committing action: book, reschedule, cancel).

    python -m bench.understanding.routing [--embedder minilm|minilm-torch|hashing] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # loaded when the benchmark runs, not when it is imported
    from engine.brain import Brain
    from language.types import LanguageBackend

DATA = Path(__file__).resolve().parent / "data" / "routing"
SIDE_EFFECTING = frozenset({"book", "reschedule", "cancel"})
# a Tuesday, 10:00 in the business's timezone: both demo businesses are open
NOW = datetime(2026, 11, 24, 10, 0)


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Result:
    dataset: str
    lang: str
    business: str
    measure: str  # "opens book" or "enters a side-effecting topic"
    n: int = 0
    hits: int = 0
    seconds: float = 0.0
    topics: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.hits / self.n if self.n else 0.0

    def row(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "lang": self.lang,
            "business": self.business,
            "measure": self.measure,
            "n": self.n,
            "rate": round(self.rate, 4),
            "ms_per_message": round(1000 * self.seconds / max(1, self.n), 2),
            "topics": dict(self.topics.most_common()),
        }


class FirstTurn:
    """Understands and decides a first message for one business, as the desk does."""

    def __init__(
        self, brains: Mapping[str, Brain], backends: Mapping[str, LanguageBackend]
    ) -> None:
        self.brains = brains
        self.backends = backends

    def topic(self, business: str, text: str) -> str:
        from engine.brain import understand_context
        from engine.decide import decide
        from engine.state import ConversationState, Snapshot

        brain = self.brains[business]
        now = NOW.replace(tzinfo=ZoneInfo(brain.business.timezone))
        state = ConversationState()
        context = understand_context(brain, state, now)
        und = self.backends[business].understand(text, brain.examples, context)
        snap = Snapshot(business=business, conversation_id="bench", channel="webchat", state=state)
        decision = decide(brain, snap, und, now)
        active = decision.state.active
        return active.card if active is not None else ""


def measure(first: FirstTurn, limit: int | None = None, only: Iterable[str] = ()) -> list[Result]:
    plan: list[tuple[Result, list[str], str]] = []
    sgd = [r["text"] for r in rows("sgd_booking_requests.jsonl")]
    plan.append((Result("SGD booking requests", "en", "bloom-salon", "opens book"), sgd, "book"))
    clinc = rows("clinc150_unrelated.jsonl")
    # the train splits are left out: the topic model's background comes from them
    for split in ("val", "oos_val"):
        plan.append(
            (
                Result(
                    f"CLINC150 unrelated ({split})",
                    "en",
                    "bloom-salon",
                    "enters a side-effecting topic",
                ),
                [r["text"] for r in clinc if r["split"] == split],
                "",
            )
        )
    xsid = rows("xsid_unrelated.jsonl")
    for lang, business in (("de", "praxis-sommer"), ("en", "bloom-salon")):
        plan.append(
            (
                Result("xSID unrelated", lang, business, "enters a side-effecting topic"),
                [r["text"] for r in xsid if r["lang"] == lang],
                "",
            )
        )
    wanted = tuple(only)
    out = []
    for result, texts, want in plan:
        if wanted and not any(w.lower() in result.dataset.lower() for w in wanted):
            continue
        texts = texts[:limit] if limit else texts
        start = time.perf_counter()
        for text in texts:
            topic = first.topic(result.business, text)
            result.n += 1
            result.topics[topic or "-"] += 1
            hit = topic == want if want else topic in SIDE_EFFECTING
            result.hits += hit
            if hit != bool(want):
                result.misses.append((text, topic))
        result.seconds = time.perf_counter() - start
        out.append(result)
    return out


class Prepared:
    """The demo businesses and their language backends as the server builds them
    (``adapters.wiring.Backends``), with a cache of their own in ``var/cache/bench``: the
    embeddings every run computes are kept, so a rerun embeds only new texts."""

    def __init__(self, embedder: str = "auto", rows: bool = True) -> None:
        from adapters.settings import Settings
        from adapters.wiring import Backends, load_brains, repo_path
        from engine.brain import understand_context
        from engine.state import ConversationState

        self.settings = Settings(
            businesses=repo_path("examples", "businesses"),
            embedder=embedder,
            cache_dir=repo_path("var", "cache", "bench"),
        )
        self.brains = load_brains(self.settings)
        registry = Backends(self.settings)
        self.backends = {slug: registry.for_business(b.business) for slug, b in self.brains.items()}
        self.embedders = {
            id(e): e for e in (getattr(b, "embedder", None) for b in self.backends.values()) if e
        }
        self.loaded = {k: 0 for k in self.embedders}
        if rows:
            self.load_rows()
        for slug, brain in self.brains.items():
            now = NOW.replace(tzinfo=ZoneInfo(brain.business.timezone))
            self.backends[slug].prepare(
                brain.examples, understand_context(brain, ConversationState(), now)
            )

    def load_rows(self) -> None:
        """The rows earlier runs computed (a rerun then embeds only texts it has not seen)."""
        from adapters.wiring import _load_rows

        self.loaded = {k: _load_rows(self.settings, e) for k, e in self.embedders.items()}

    def save(self) -> None:
        from adapters.wiring import _save_rows

        for key, embedder in self.embedders.items():
            _save_rows(self.settings, embedder, self.loaded[key])


def build(embedder: str) -> tuple[FirstTurn, Prepared]:
    prepared = Prepared(embedder)
    return FirstTurn(prepared.brains, prepared.backends), prepared


def print_table(results: list[Result], misses: int = 0) -> None:
    print("| data set | lang | business | measure | n | rate | ms/message |")
    print("|---|---|---|---|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.dataset} | {r.lang} | {r.business} | {r.measure} | {r.n} | "
            f"{100 * r.rate:.1f}% | {1000 * r.seconds / max(1, r.n):.1f} |"
        )
    for r in results:
        if misses and r.misses:
            print(f"\n{r.dataset} ({r.lang}): {dict(r.topics.most_common())}")
            for text, topic in r.misses[:misses]:
                print(f"  {topic or '-':<12} {text}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--embedder", default="auto", help="auto (as the server: per business), minilm, e5, hashing"
    )
    parser.add_argument("--limit", type=int, help="at most N messages per data set")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="data sets whose name contains this (repeatable)",
    )
    parser.add_argument("--misses", type=int, default=0, help="print N failures per data set")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    first, prepared = build(args.embedder)
    print(f"prepared in {time.perf_counter() - start:.1f} s")
    results = measure(first, args.limit, args.only)
    prepared.save()
    print_table(results, args.misses)


if __name__ == "__main__":
    main()
