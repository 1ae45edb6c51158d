"""The understanding benchmark's floors: a regression in topic routing fails CI.

The same measure as ``python -m bench.understanding`` (first messages of new web-chat
conversations, understood and decided as the server does, on the public data vendored in
``bench/understanding/data``). The measure is deterministic (the same data, models and
code give the same figures), so the bounds are the targets themselves: booking requests
open the booking topic at least 97% of the time, unrelated requests enter a topic that
changes appointments at most 1% of the time.

Nothing here touches a database, so it runs in the SQLite pass of ``scripts/test.sh`` only.
"""

from __future__ import annotations

import os

import pytest

from bench.understanding import routing

pytestmark = pytest.mark.skipif(
    os.environ.get("FRONTDESK_TEST_DB") == "postgresql",
    reason="no database involved: measured once, in the SQLite pass",
)

# data set → (floor or ceiling, "at least" | "at most")
FLOORS = {
    ("SGD booking requests", "en"): (0.97, "at least"),  # open the booking topic
    ("CLINC150 unrelated (val)", "en"): (0.01, "at most"),  # enter book/reschedule/cancel
    ("CLINC150 unrelated (oos_val)", "en"): (0.01, "at most"),
    ("xSID unrelated", "de"): (0.01, "at most"),
    ("xSID unrelated", "en"): (0.01, "at most"),
}


@pytest.fixture(scope="module")
def results(language) -> dict[tuple[str, str], routing.Result]:
    from tests.fakes.demo import demo_brains

    brains = demo_brains()
    backends = {slug: language.for_business(b.business) for slug, b in brains.items()}
    first = routing.FirstTurn(brains, backends)  # type: ignore[arg-type]
    return {(r.dataset, r.lang): r for r in routing.measure(first)}


@pytest.mark.parametrize(("dataset", "lang"), sorted(FLOORS))
def test_routing_holds_its_floor(
    results: dict[tuple[str, str], routing.Result], dataset: str, lang: str
) -> None:
    bound, how = FLOORS[(dataset, lang)]
    result = results[(dataset, lang)]
    assert result.n >= 100
    shown = [f"{topic or '-'}: {text}" for text, topic in result.misses[:10]]
    if how == "at least":
        assert result.rate >= bound, (result.rate, shown)
    else:
        assert result.rate <= bound, (result.rate, shown)
