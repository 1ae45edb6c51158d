"""Compiled machines: the transition table, and the real python-statemachine class agreeing
with it on every (state, event) pair."""

from __future__ import annotations

import time

import pytest
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from machines.card import TERMINAL_STATES
from machines.compile import CompiledMachine, Transition, compile_card
from machines.errors import TransitionRefused
from machines.loader import bundled_cards, load_card_text

from .cards_for_tests import GOOD

MACHINES = {card_id: compile_card(card) for card_id, card in bundled_cards().items()}
IDS = sorted(MACHINES)


class _Model:
    def __init__(self, state: str) -> None:
        self.state = state


def table(machine: CompiledMachine) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for t in machine.transitions:
        assert (t.source, t.event) not in out, f"two targets for {t}"
        out[(t.source, t.event)] = t.target
    return out


@pytest.mark.parametrize("card_id", IDS)
def test_class_shape(card_id: str) -> None:
    machine = MACHINES[card_id]
    cls = machine.cls
    assert issubclass(cls, StateMachine)
    assert cls.catch_errors_as_events is False and cls.allow_event_without_transition is False
    assert sorted(cls.states_map) == sorted(machine.states)
    assert cls.initial_state is not None and cls.initial_state.value == machine.states[0]
    assert sorted(s.value for s in cls.final_states) == sorted(TERMINAL_STATES)
    assert machine.states[-3:] == TERMINAL_STATES
    assert {e.id for e in cls.events} == set(machine.events)


@pytest.mark.parametrize("card_id", IDS)
def test_fire_and_a_fresh_instance_of_the_class_agree_with_the_table(card_id: str) -> None:
    machine = compile_card(bundled_cards()[card_id])  # nothing remembered yet
    expected = table(machine)
    for state in machine.states:
        for event in machine.events:
            model = _Model(state)
            instance = machine.cls(model=model)
            if (state, event) in expected:
                assert machine.fire(state, event) == expected[(state, event)]
                instance.send(event)
                assert model.state == expected[(state, event)]
                assert machine.fire(state, event) == expected[(state, event)]  # remembered
            else:
                with pytest.raises(TransitionRefused) as caught:
                    machine.fire(state, event)
                assert (caught.value.event, caught.value.state, caught.value.card) == (
                    event,
                    state,
                    card_id,
                )
                with pytest.raises(TransitionNotAllowed):
                    instance.send(event)
                with pytest.raises(TransitionRefused):
                    machine.fire(state, event)


def test_the_transition_rules() -> None:
    machine = MACHINES["book"]
    t = table(machine)
    steps = ["service", "date", "find", "slot", "name", "phone", "confirm", "book"]
    for here, following in zip(steps, steps[1:] + ["done"], strict=True):
        assert t[(here, "advance")] == following
        assert t[(here, "escalate")] == "escalated" and t[(here, "abandon")] == "abandoned"
    assert t[("confirm", "confirm")] == "book" and t[("confirm", "deny")] == "date"
    assert t[("find", "action_ok")] == "slot" and t[("find", "action_failed")] == "date"
    assert t[("book", "action_ok")] == "done" and t[("book", "action_failed")] == "find"
    assert ("service", "confirm") not in t and ("service", "action_ok") not in t
    # correct_<collect step> from every step after it, and only from there
    collects = ["service", "date", "slot", "name", "phone"]
    for c in collects:
        sources = {s for (s, e) in t if e == f"correct_{c}"}
        assert sources == set(steps[steps.index(c) + 1 :])
        assert all(t[(s, f"correct_{c}")] == c for s in sources)
    assert not any(s in TERMINAL_STATES for (s, _) in t)


def test_defaults_of_on_fail_and_on_deny() -> None:
    message = table(MACHINES["message"])
    assert message[("take", "action_failed")] == "take"  # no on_fail: stay and retry
    card = load_card_text(GOOD, "demo.yaml")
    demo = table(compile_card(card))
    assert demo[("confirm", "deny")] == "phone"  # no on_deny: the step before


def test_terminal_states_refuse_everything() -> None:
    machine = MACHINES["book"]
    for state in TERMINAL_STATES:
        for event in machine.events:
            with pytest.raises(TransitionRefused):
                machine.fire(state, event)
        assert machine.events_from(state) == ()


def test_unknown_states_and_events_are_refused() -> None:
    machine = MACHINES["book"]
    with pytest.raises(TransitionRefused):
        machine.fire("nowhere", "advance")
    with pytest.raises(TransitionRefused):
        machine.fire("service", "teleport")
    with pytest.raises(TransitionRefused):
        machine.fire("service", "correct_phone")  # phone comes later


def test_the_machine_keeps_working_after_reaching_a_final_state() -> None:
    machine = compile_card(bundled_cards()["hours"])
    assert machine.fire("hours", "action_ok") == "done"
    assert machine.fire("hours", "escalate") == "escalated"
    assert machine.fire("hours", "abandon") == "abandoned"
    assert machine.fire("hours", "action_failed") == "hours"


def test_step_ids_that_clash_with_event_or_library_names() -> None:
    text = GOOD.replace("id: name\n", "id: send\n").replace("id: service\n", "id: confirm_it\n")
    text = text.replace("on_fail: service", "on_fail: confirm_it")
    machine = compile_card(load_card_text(text, "demo.yaml"))
    assert machine.fire("slot", "advance") == "send"
    assert machine.fire("confirm", "confirm") == "book"
    assert Transition("send", "escalate", "escalated") in machine.transitions


def test_fire_is_fast() -> None:
    machine = compile_card(bundled_cards()["book"])
    pairs = [(t.source, t.event) for t in machine.transitions]
    for state, event in pairs:
        machine.fire(state, event)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for state, event in pairs:
            machine.fire(state, event)
    per_call = (time.perf_counter() - start) / (rounds * len(pairs))
    assert per_call < 50e-6
