"""Optional pieces, each behind an extra of the package; no module a running desk imports
imports them (the way python-statemachine keeps its optional parts in ``contrib``).

* ``contrib.testing`` — property testing a card with Hypothesis (the ``testing`` extra):
  strategies drawn from a card, the monitor of what ``frontdesk verify`` proves, a state
  machine per card, the card mutants ``bench.verify`` runs, and
  ``contrib.testing.decide``, which drives the real ``decide``.

Like ``tests/`` and ``bench/``, this package may import any of the others.
"""
