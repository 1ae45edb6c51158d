"""Property testing a card: strategies drawn from it, the checks, a state machine.

``frontdesk verify`` proves a card over abstract facts; this package tests it against the
real engine with concrete values, which is how a developer tests a new card in a few lines
(``contrib.testing.decide.card_test``). Three parts, all pure functions of compiled cards (and
``mutants``, the slips a careless author makes to a card, with ``verify``'s verdict on
each, for mutation-testing the checker: ``python -m bench.verify``):

* ``strategies`` — a value for each field type, usable or refused, from a
  :class:`Catalog` of what a customer can name (the business's services and staff, the
  days it is open, the slots it offered); what a customer says in one turn
  (:class:`Said`); sequences of turns; the :class:`World` a conversation happens in and
  the :class:`Outcome` of each action;
* ``monitor`` — the :class:`Monitor`, which reads what a turn did (topic starts, machine
  moves, actions with the fields and facts they were planned from, what each rule put in
  the reply) and reports what ``verify`` reports, under the same kind names: an action
  before its fields or without a fresh yes to a read-back of the values it uses (a commit
  always), a read-back passed by, a "no" or a failure moving forward or a "no" ignored,
  ``done`` without the completing action, a claim no commit made, a choice before its
  options, a failed action retried unchanged, failures without end, a refused event, a
  rule cycle, a broken card invariant;
* ``stateful`` — :func:`card_state_machine`, a Hypothesis ``RuleBasedStateMachine``
  whose rules are customer turns; a :class:`Driver` takes each turn and the monitor
  checks it, so a violation shrinks to a short conversation.

Why the driver is a Protocol: these modules build on ``machines/`` and ``rules/`` alone,
yet the point is to drive the real ``decide``. Everything about the card lives here;
``contrib.testing.decide`` implements the driver with ``decide`` (understandings, plausible
action results, the ``Desk``'s action loop) and holds the helper that reads a business file.
This package imports Hypothesis, an optional dependency (the ``testing`` extra:
``pip install frontdesk[testing]``), so nothing a running desk imports may import it.
"""

from __future__ import annotations

from .monitor import (
    FAILED_RUN,
    Acted,
    Breach,
    Cycle,
    Monitor,
    Moved,
    Point,
    Settled,
    Spoke,
    Started,
    View,
)
from .stateful import CardViolation, Driver, card_state_machine, describe_turn
from .strategies import (
    CONFIRM,
    ERRORS,
    NAMES,
    SIGNALS,
    Catalog,
    Outcome,
    Said,
    Value,
    World,
    action_outcomes,
    answers,
    can_give,
    chatter,
    conversations,
    digressions,
    field_values,
    mentions,
    signals,
    utterances,
    worlds,
)

__all__ = [
    "CONFIRM",
    "ERRORS",
    "FAILED_RUN",
    "NAMES",
    "SIGNALS",
    "Acted",
    "Breach",
    "CardViolation",
    "Catalog",
    "Cycle",
    "Driver",
    "Monitor",
    "Moved",
    "Outcome",
    "Point",
    "Said",
    "Settled",
    "Spoke",
    "Started",
    "Value",
    "View",
    "World",
    "action_outcomes",
    "answers",
    "can_give",
    "card_state_machine",
    "chatter",
    "conversations",
    "describe_turn",
    "digressions",
    "field_values",
    "mentions",
    "signals",
    "utterances",
    "worlds",
]
