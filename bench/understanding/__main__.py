"""``python -m bench.understanding``: every measure of the understanding benchmark.

Prints the routing table (:mod:`bench.understanding.routing`), the dates and times table
(:mod:`bench.understanding.datetimes`) and the time one message takes to understand and
decide, measured first, on messages no embedding cache has seen.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.stats import percentile
from bench.understanding import routing


def timing(first: routing.FirstTurn, n: int) -> list[tuple[str, float, float, int]]:
    """Per business: p50 and p99 of understand + decide for ``n`` first messages drawn
    from the data sets, each embedded afresh."""
    pools = {
        "bloom-salon": [r["text"] for r in routing.rows("sgd_booking_requests.jsonl")]
        + [r["text"] for r in routing.rows("clinc150_unrelated.jsonl") if r["split"] == "val"],
        "praxis-sommer": [
            r["text"] for r in routing.rows("xsid_unrelated.jsonl") if r["lang"] == "de"
        ],
    }
    out = []
    rng = random.Random(7)
    for business, pool in pools.items():
        sample = rng.sample(pool, min(n, len(pool)))
        first.topic(business, "warm up")
        ms = []
        for text in sample:
            start = time.perf_counter()
            first.topic(business, text)
            ms.append((time.perf_counter() - start) * 1000)
        out.append((business, percentile(ms, 50), percentile(ms, 99), len(ms)))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--embedder", default="auto")
    parser.add_argument(
        "--timed",
        type=int,
        default=150,
        help="messages per business timed on a cold embedding cache",
    )
    parser.add_argument("--misses", type=int, default=0, help="print N failures per data set")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    prepared = routing.Prepared(args.embedder, rows=False)
    first = routing.FirstTurn(prepared.brains, prepared.backends)
    print(f"prepared in {time.perf_counter() - start:.1f} s\n")
    timed = timing(first, args.timed)
    prepared.load_rows()
    results = routing.measure(first)
    prepared.save()
    routing.print_table(results, args.misses)
    print("\nTime to understand and decide a first message (each embedded afresh):\n")
    print("| business | messages | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for business, p50, p99, n in timed:
        print(f"| {business} | {n} | {p50:.1f} | {p99:.1f} |")
    from bench.understanding import datetimes

    print(
        "\nDates and times (right / wrong / wrong where am-pm or the part of day was said / "
        "missed):\n"
    )
    datetimes.main([])


if __name__ == "__main__":
    main()
