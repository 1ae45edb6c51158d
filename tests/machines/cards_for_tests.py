"""A small valid card as YAML text, and a helper to find a marked line in it.

Broken variants mark the line an error must point at with ``# <-`` so the tests say where
they expect the error without counting lines by hand.
"""

from __future__ import annotations

GOOD = """\
id: demo
title:
  en: Demo booking
  de: Demo-Buchung
required_fields:
  - name: service
    type: service
  - name: slot
    type: offered_slot
  - name: name
    type: person_name
  - name: phone
    type: phone
steps:
  - id: service
    kind: collect
    field: service
  - id: find
    kind: action
    action: find_slots
    on_fail: service
  - id: slot
    kind: collect
    field: slot
  - id: name
    kind: collect
    field: name
  - id: phone
    kind: collect
    field: phone
    skip_if: customer.has_phone
  - id: confirm
    kind: confirm
  - id: book
    kind: action
    action: book
    on_fail: find
allowed_actions: [find_slots, book]
confirm_before: [book]
auto_escalate_if:
  - when: counter.failed_attempts >= 3
    reason: repeated failure
"""


def marked_line(text: str, marker: str = "# <-") -> int:
    """The 1-based line holding ``marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"no {marker!r} in the text")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)
