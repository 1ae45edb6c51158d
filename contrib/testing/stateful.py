"""A Hypothesis state machine that holds conversations about one card.

Its rules are customer turns — the answer to what the desk asked, a refused value, values
for any field, a signal, chatter, a digression to another topic — drawn with the
strategies of ``contrib.testing.strategies`` from what the customer can see now. A
:class:`Driver` performs each turn (``contrib.testing.decide`` drives the real ``decide``) and the
:class:`~contrib.testing.monitor.Monitor` checks it; a breach raises
:class:`CardViolation` with the conversation so far, and Hypothesis shrinks it to a short
one. Which turn comes next is Hypothesis's choice of rule; an ``answer`` step answers up to
:data:`RUN` questions in a row, so conversations get deep enough to complete the card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from machines.card import TERMINAL_STATES, Card
from machines.compile import CompiledMachine
from machines.registry import DEFAULT_ACTIONS, ActionSpec

from .monitor import Acted, Breach, Monitor, Moved, Point, Settled, View
from .strategies import (
    Outcome,
    Said,
    World,
    answers,
    chatter,
    digressions,
    mentions,
    signals,
    worlds,
)

RUN = 4
"""The most questions one ``answer`` step answers in a row."""


class CardViolation(AssertionError):
    """A conversation broke a check; the message shows the conversation that did."""

    def __init__(self, card: str, breaches: Sequence[Breach], conversation: Sequence[str]) -> None:
        self.card = card
        self.breaches = tuple(breaches)
        self.kinds = tuple(b.kind for b in breaches)
        self.conversation = tuple(conversation)
        lines = [f"card '{card}': {b.kind}: {b.message}" for b in breaches]
        super().__init__("\n".join(lines + ["in this conversation:", *self.conversation]))

    def __reduce__(
        self,
    ) -> tuple[type[CardViolation], tuple[str, tuple[Breach, ...], tuple[str, ...]]]:
        return CardViolation, (self.card, self.breaches, self.conversation)


class Driver(Protocol):
    """One conversation with the engine."""

    def view(self) -> View:
        """The active topic and what the customer can name now."""
        ...

    def turn(self, said: Said, outcome: Callable[[str], Outcome]) -> Sequence[Point]:
        """Take one turn; ``outcome`` decides each action it runs. What it did, in order."""
        ...


def describe_turn(number: int, said: Said, points: Sequence[Point]) -> str:
    """One turn of a counterexample: what was said, the moves, the actions, where it ended."""
    moves = [
        f"{p.card}: {p.source} --{p.event}--> {'REFUSED' if p.refused else p.target}"
        for p in points
        if isinstance(p, Moved)
    ]
    acts = [f"{p.action} {'ok' if p.ok else 'failed'}" for p in points if isinstance(p, Acted)]
    end = next((p for p in reversed(points) if isinstance(p, Settled)), None)
    lines = [f"  {number}. customer: {said.describe()}"]
    if moves:
        lines.append(f"     moves: {'; '.join(moves)}")
    if acts:
        lines.append(f"     actions: {', '.join(acts)}")
    if end is not None:
        lines.append(f"     then: {end.card or '-'} {end.facts.get('machine.state', '')}")
    return "\n".join(lines)


def card_state_machine(
    card: str,
    machines: Mapping[str, CompiledMachine],
    start: Callable[[World], Driver],
    *,
    topics: Sequence[str] = (),
    actions: Mapping[str, ActionSpec] = DEFAULT_ACTIONS,
) -> type[RuleBasedStateMachine]:
    """A state machine holding conversations about ``card``.

    ``machines`` are the compiled machines of every card the business uses (a
    conversation may digress to any of them, and each is checked); ``start`` opens a
    conversation in a :class:`World` and returns its :class:`Driver`; ``topics`` are the
    cards a customer may digress to. Only ``card``'s own actions may fail: the others are
    tested with their own cards, and fewer choices shrink faster.
    """
    subject = machines[card].card
    cards = {cid: m.card for cid, m in machines.items()}

    class CardMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.monitor = Monitor(machines, actions)
            self.transcript: list[str] = []
            self._driver: Driver | None = None
            self._world: World | None = None

        @initialize(world=worlds(subject, subject.allowed_actions))
        def begin(self, world: World) -> None:
            self._world = world
            self._driver = start(world)
            self.transcript.append(f"  world: {world.describe()}")

        def talk(self, data: st.DataObject, said: Said) -> None:
            driver, world = self._driver, self._world
            assert driver is not None and world is not None, "the conversation has not begun"
            before = driver.view()

            def outcome(action: str) -> Outcome:
                return world.outcome(action, lambda s: data.draw(s, label=f"{action} result"))

            points = driver.turn(said, outcome)
            self.transcript.append(describe_turn(len(self.transcript), said, points))
            breaches = self.monitor.observe(said, before, points)
            if breaches:
                raise CardViolation(card, breaches, self.transcript)

        def about(self) -> tuple[Card, View, str]:
            """The card the customer talks about (the active one while it runs, else the
            card under test), the view, and the question pending for that card."""
            assert self._driver is not None, "the conversation has not begun"
            view = self._driver.view()
            if view.card in cards and view.state not in TERMINAL_STATES:
                return cards[view.card], view, view.asked
            return subject, view, ""

        @rule(data=st.data())
        def answer(self, data: st.DataObject) -> None:
            """Answers the desk's questions, up to :data:`RUN` of them in a row: a
            cooperative customer, so that conversations get deep enough to complete the
            card (shrinking brings a run down to the turns that matter)."""
            for _ in range(data.draw(st.integers(1, RUN), label="answers in a row")):
                about, view, asked = self.about()
                self.talk(
                    data,
                    data.draw(answers(about, asked, view.catalog, view.fields), label="answer"),
                )

        @rule(data=st.data())
        def refuse(self, data: st.DataObject) -> None:
            about, view, asked = self.about()
            self.talk(
                data,
                data.draw(
                    answers(about, asked, view.catalog, view.fields, False), label="unusable answer"
                ),
            )

        @rule(data=st.data())
        def mention(self, data: st.DataObject) -> None:
            about, view, _ = self.about()
            self.talk(data, data.draw(mentions(about, view.catalog, view.fields), label="values"))

        @rule(data=st.data())
        def signal(self, data: st.DataObject) -> None:
            self.talk(data, data.draw(signals(), label="signal"))

        @rule(data=st.data())
        def chat(self, data: st.DataObject) -> None:
            self.talk(data, data.draw(chatter(), label="chatter"))

        @precondition(lambda self: bool(topics))
        @rule(data=st.data())
        def digress(self, data: st.DataObject) -> None:
            self.talk(data, data.draw(digressions(topics), label="digression"))

    name = "".join(p.capitalize() for p in card.split("_")) + "Conversations"
    CardMachine.__name__ = CardMachine.__qualname__ = name
    return CardMachine


__all__ = ["CardViolation", "Driver", "card_state_machine", "describe_turn"]
