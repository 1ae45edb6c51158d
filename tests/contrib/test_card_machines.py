"""Every bundled card of every demo business, tested through the real ``decide``.

``contrib.testing.decide.card_machine`` builds a Hypothesis state machine per card: customers
answer, refuse, correct, digress, say yes, no, goodbye or "a person please", actions work,
fail or both, and after every turn ``contrib.testing.Monitor`` checks what ``frontdesk
verify`` proves over abstract facts — no action before its fields or (``confirm_before``)
without a fresh yes to the values it uses, no "no" or failure that moves forward, ``done``
only after the completing action, no refused event, no rule cycle, the card's invariants.
The runs are derandomized, yet not the same in every order of tests: Hypothesis also draws
constants it collects from the modules loaded so far. A search for a known mistake
therefore runs enough examples to find it whatever ran before it (with 200, the three
hardest broken cards were each caught in 30 of 30 unseeded runs; with 30, a quarter of the
runs missed some). A developer chasing
a card runs it with more examples (``card_test(..., max_examples=500)``).
"""

from __future__ import annotations

import unittest

import pytest
from hypothesis.stateful import run_state_machine_as_test

from contrib.testing import CONFIRM, Monitor, Outcome, Said, Value, World
from contrib.testing.decide import DecideDriver, card_machine, card_test, machine_settings
from tests.fakes.cards import BROKEN
from tests.fakes.demo import EXAMPLES, demo_brains

BRAINS = demo_brains()
CASES = [(slug, cid) for slug, brain in sorted(BRAINS.items()) for cid in sorted(brain.topics)]


@pytest.mark.parametrize(("slug", "cid"), CASES, ids=[f"{s}-{c}" for s, c in CASES])
def test_conversations_about_a_card_keep_every_check(slug: str, cid: str) -> None:
    run_state_machine_as_test(
        card_machine(BRAINS[slug], cid),
        settings=machine_settings(25, 20, derandomize=True, database=None),
    )


def _run(test: type[unittest.TestCase], max_examples: int = 30) -> unittest.TestResult:
    test.settings = machine_settings(  # type: ignore[attr-defined]
        max_examples, 15, derandomize=True, database=None
    )
    result = unittest.TestResult()
    test("runTest").run(result)
    return result


def test_a_developer_tests_a_card_from_files_in_one_line() -> None:
    broken = card_test(
        EXAMPLES / "bloom-salon.yaml", "book_no_means_yes", cards=BROKEN / "no_means_book.yaml"
    )
    assert issubclass(broken, unittest.TestCase)
    # enough to find it whatever ran before (see above); 200 no longer were once refused
    # values counted until an action succeeds: random conversations hand over sooner
    result = _run(broken, 400)
    assert len(result.failures) == 1 and not result.errors
    assert "deny_moves_forward" in result.failures[0][1]
    sound = _run(card_test(EXAMPLES / "rapid-rooter.yaml", "message"))
    assert result.testsRun == sound.testsRun == 1 and sound.wasSuccessful()


def test_a_card_the_business_does_not_have_is_named() -> None:
    with pytest.raises(ValueError, match="does not use card 'boook'.*book, cancel"):
        card_machine(BRAINS["bloom-salon"], "boook")
    with pytest.raises(ValueError, match="no card 'boook'"):
        card_test(EXAMPLES / "bloom-salon.yaml", "boook")


def test_two_corrections_at_the_read_back_go_back_to_the_earliest() -> None:
    """A new service and a new name in one message: back to the service step, so the slot
    the old service had is searched again (found by this state machine: the two correction
    rules used to tie, and the later step's won)."""
    brain = BRAINS["bloom-salon"]
    driver = DecideDriver(brain, "book", World("cli", "new", False, ()))
    monitor = Monitor({c: t.machine for c, t in brain.topics.items()})

    def say(*values: tuple[str, str, str]) -> list[str]:
        said = Said(values=tuple(Value(f, t, v) for f, t, v in values), text="...")
        before = driver.view()
        points = driver.turn(said, lambda action: Outcome(True, count=2))
        return [b.message for b in monitor.observe(said, before, points)]

    day = driver.view().catalog.days[1].isoformat()
    for turn in [(), (("service", "service", "womens_cut"),), (("date", "date", day),)]:
        assert say(*turn) == []
    assert say(("slot", "offered_slot", driver.view().catalog.offered[0])) == []
    assert say(("name", "person_name", "Dana Whitfield")) == []
    assert say(("phone", "phone", "+12015550123")) == []
    assert driver.view().asked == CONFIRM
    problems = say(("service", "service", "mens_cut"), ("name", "person_name", "Jo"))
    settled = driver.view()
    assert problems == [], (problems, settled)
    assert settled.state != "confirm" or "slot" in settled.fields
