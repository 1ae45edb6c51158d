"""Properties every compiled bundled card has, for all event sequences."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from machines.card import TERMINAL_STATES
from machines.compile import CompiledMachine, compile_card
from machines.errors import TransitionRefused
from machines.loader import bundled_cards

MACHINES = {card_id: compile_card(card) for card_id, card in bundled_cards().items()}
IDS = sorted(MACHINES)


def reachable(machine: CompiledMachine, start: str) -> set[str]:
    edges: dict[str, set[str]] = {}
    for t in machine.transitions:
        edges.setdefault(t.source, set()).add(t.target)
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


@pytest.mark.parametrize("card_id", IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_event_sequences_stay_in_the_declared_states(
    card_id: str, data: st.DataObject
) -> None:
    machine = MACHINES[card_id]
    events = st.sampled_from(machine.events + ("bogus",))
    state = machine.initial
    for event in data.draw(st.lists(events, max_size=40)):
        allowed = machine.events_from(state)
        try:
            new = machine.fire(state, event)
        except TransitionRefused:
            assert event not in allowed
            continue
        assert event in allowed and not machine.is_terminal(state)
        assert new in machine.states
        state = new


@pytest.mark.parametrize("card_id", IDS)
@given(event=st.text(max_size=20))
def test_terminal_states_accept_nothing(card_id: str, event: str) -> None:
    machine = MACHINES[card_id]
    for state in TERMINAL_STATES:
        with pytest.raises(TransitionRefused):
            machine.fire(state, event)


@pytest.mark.parametrize("card_id", IDS)
def test_escalated_and_done_are_reachable_from_every_non_terminal_state(card_id: str) -> None:
    machine = MACHINES[card_id]
    for state in machine.states:
        if machine.is_terminal(state):
            assert reachable(machine, state) == {state}
        else:
            assert {"escalated", "done", "abandoned"} <= reachable(machine, state)
    assert reachable(machine, machine.initial) == set(machine.states)
