"""Compiling a validated card into a typed finite-state machine.

Each card becomes one python-statemachine class: one state per step, in order, plus the
terminal states ``done``, ``escalated`` and ``abandoned``. The class carries no guards and
no callbacks: *when* an event fires is decided by rules (``machines.rulegen``); the machine
only decides *whether* that event is legal where the conversation stands, and where it
leads. It is built with ``catch_errors_as_events=False`` and
``allow_event_without_transition=False``, so an illegal event raises instead of being
swallowed, and we translate that into :class:`TransitionRefused`.

The transition table is also kept as plain data (:attr:`CompiledMachine.transitions`) for
diagrams, model checking and property tests; the tests check that it and the real class
agree on every (state, event) pair.

Why ``fire`` memoises: the class has no guards, so the outcome of an event depends on
nothing but (state, event). The first time a pair is fired it runs through the real
machine (one reusable instance per compiled card, its state restored through a model
object); the outcome — the new state or a refusal — is then remembered. A full
python-statemachine step costs ~70 µs; a remembered one well under 1 µs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed
from statemachine.factory import StateMachineMetaclass

from machines.card import TERMINAL_STATES, Card, Step
from machines.errors import TransitionRefused

EVENT_ORDER: tuple[str, ...] = (
    "advance",
    "confirm",
    "deny",
    "action_ok",
    "action_failed",
    "correct",
    "escalate",
    "abandon",
)
"""Events in the order they are listed; ``correct`` stands for every ``correct_<step>``."""

_STATE_ATTR = "s_{}"
"""Class attribute of each state. Step ids are free-form (``name``, ``confirm``...), so the
class attribute gets a prefix to never clash with an event or a StateMachine attribute; the
state's *value* — what the model holds and what we report — stays the plain step id."""


@dataclass(frozen=True, slots=True, order=True)
class Transition:
    source: str
    event: str
    target: str


class _Model:
    """Holds the machine's state between events; ``fire`` writes the state to restore."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state: Any = state


_REFUSED = object()


@dataclass(eq=False)
class CompiledMachine:
    """A card's compiled machine: the python-statemachine class and its table as data."""

    card: Card
    cls: type[StateMachine]
    states: tuple[str, ...]
    events: tuple[str, ...]
    transitions: tuple[Transition, ...]
    _outcomes: dict[tuple[str, str], object] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _model: _Model | None = field(default=None, repr=False)
    _machine: StateMachine | None = field(default=None, repr=False)

    @property
    def initial(self) -> str:
        return self.states[0]

    @property
    def terminal(self) -> tuple[str, ...]:
        return TERMINAL_STATES

    def is_terminal(self, state: str) -> bool:
        return state in TERMINAL_STATES

    def events_from(self, state: str) -> tuple[str, ...]:
        """The events the machine accepts in ``state`` (empty for a terminal state)."""
        return tuple(dict.fromkeys(t.event for t in self.transitions if t.source == state))

    def fire(self, state: str, event: str) -> str:
        """The state that ``event`` leads to from ``state``.

        Raises :class:`TransitionRefused` when the machine does not accept ``event`` there
        (any event in a terminal state; an unknown state or event).
        """
        outcome = self._outcomes.get((state, event))
        if outcome is None:
            # An undeclared name never reaches the library: ``send`` looks events up as
            # attributes, so a name such as ``send`` or ``__dict__`` would not be refused
            # cleanly. Only declared (state, event) pairs are run and remembered.
            if state not in self.states or event not in self.events:
                raise TransitionRefused(event, state, self.card.id)
            outcome = self._outcomes[(state, event)] = self._run(state, event)
        if outcome is _REFUSED:
            raise TransitionRefused(event, state, self.card.id)
        assert isinstance(outcome, str)
        return outcome

    def _run(self, state: str, event: str) -> object:
        """Run one event through the real python-statemachine class, from ``state``."""
        with self._lock:
            if self._machine is None or self._model is None:
                self._model = _Model(state)
                self._machine = self.cls(model=self._model)
            machine, model = self._machine, self._model
            model.state = state
            try:
                machine.send(event)
            except TransitionNotAllowed:
                return _REFUSED
            finally:
                if machine.is_terminated:  # a machine that reached a final state stays stopped
                    self._machine = None
            target = model.state
            assert isinstance(target, str)
            return target


def compile_card(card: Card) -> CompiledMachine:
    """Compile a validated card (see ``machines.loader``) into its machine."""
    table = tuple(_transitions(card))
    states = tuple(s.id for s in card.steps) + TERMINAL_STATES
    present = {t.event for t in table}
    events = tuple(e for e in _ordered_events(card) if e in present)
    return CompiledMachine(
        card=card,
        cls=_machine_class(card, states, table),
        states=states,
        events=events,
        transitions=table,
    )


def _ordered_events(card: Card) -> Iterator[str]:
    for event in EVENT_ORDER:
        if event == "correct":
            yield from (f"correct_{s.id}" for s in card.steps if s.kind == "collect")
        else:
            yield event


def _transitions(card: Card) -> Iterator[Transition]:
    steps = card.steps
    for index, step in enumerate(steps):
        following = steps[index + 1].id if index + 1 < len(steps) else "done"
        yield Transition(step.id, "advance", following)
        if step.kind == "confirm":
            yield Transition(step.id, "confirm", following)
            yield Transition(step.id, "deny", _deny_target(steps, index, step))
        if step.kind == "action":
            yield Transition(step.id, "action_ok", following)
            yield Transition(step.id, "action_failed", step.on_fail or step.id)
        for earlier in steps[:index]:
            if earlier.kind == "collect":
                yield Transition(step.id, f"correct_{earlier.id}", earlier.id)
        yield Transition(step.id, "escalate", "escalated")
        yield Transition(step.id, "abandon", "abandoned")


def _deny_target(steps: tuple[Step, ...], index: int, step: Step) -> str:
    if step.on_deny:
        return step.on_deny
    return steps[index - 1].id if index > 0 else step.id


def _machine_class(
    card: Card, states: tuple[str, ...], table: tuple[Transition, ...]
) -> type[StateMachine]:
    first = states[0]
    objects = {
        sid: State(name=sid, value=sid, initial=sid == first, final=sid in TERMINAL_STATES)
        for sid in states
    }
    for t in table:
        objects[t.source].to(objects[t.target], event=t.event)
    name = "".join(part.capitalize() for part in card.id.split("_")) + "Machine"
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"The compiled machine of card '{card.id}'.",
        "catch_errors_as_events": False,
        "allow_event_without_transition": False,
    }
    attrs.update({_STATE_ATTR.format(sid): state for sid, state in objects.items()})
    cls = StateMachineMetaclass(name, (StateMachine,), attrs)
    assert isinstance(cls, type) and issubclass(cls, StateMachine)
    return cls


__all__ = ["CompiledMachine", "EVENT_ORDER", "Transition", "compile_card"]
