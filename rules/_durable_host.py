"""The process-wide durable-rules host, used the few ways that are safe.

Measured on durable-rules 2.0.28 (the C engine's sources say the same), and the rule each
finding imposes here:

* At most 1024 live session ids per ruleset; the 1025th raises MemoryError and the process
  later crashes. Each match runs in a fresh session id whose state is deleted right after.
* ``delete_state`` of a session in which *no* action ever ran frees uninitialised memory
  (the C state node's action context is never zeroed) and crashes the process — exactly
  the "no rule matched" case. Every ruleset therefore has a ``sentinel`` rule that matches
  every asserted message, so an action always runs, and a match that fails in any other way
  retires the ruleset (it is never touched again) instead of deleting the broken session.
* Numbers in JSON are parsed by hand: ``1e-05`` (an exponent without a fraction, which is
  how Python writes many floats) is a parse error. Rulesets and messages are serialised by
  ``dumps`` below, which always writes a fraction; doubles then round-trip exactly.
* ``Host()`` starts two threads that re-arm themselves forever, dispatching queued actions
  and timers of every ruleset in the background — racing the synchronous calls here and
  waking up every 0.2 s per ruleset. We use neither, so ``_Host`` does not start them.
* Action exceptions are swallowed (stored into the session state), so actions only record
  which rule matched, and the sentinel's record proves the actions ran.
* There is no low limit on the number of rulesets a host can register (3,000 registered
  fine); each costs memory in the C engine (roughly 60 KB plus the rules) and is never
  freed, so identical definitions share one registration, keyed by a content hash.

All calls into durable are serialised by one lock: the C engine is not re-entrant.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

import durable.engine as _durable
import durable_rules_engine as _native

from ._durable_expr import MARKER, Durable
from .errors import RuleError
from .ir import Scalar

SENTINEL = -1
"""The hit the sentinel rule records (rule hits are indexes from 0)."""

_LOCK = threading.Lock()
_HOST: _Host | None = None
_REGISTERED: dict[str, str] = {}  # content hash -> durable ruleset name
_HITS: dict[str, set[int]] = {}  # session id -> indexes of the rules that fired
_RULESET_NUMBERS = itertools.count(1)
_SESSION_NUMBERS = itertools.count(1)


def dumps(value: object) -> str:
    """JSON that durable's parser reads back exactly (floats always carry a fraction)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} for durable-rules")


def dumps_message(message: dict[str, Scalar]) -> str:
    """``dumps`` for a flat message, at C speed when no float needs an added fraction."""
    for value in message.values():
        if type(value) is float and "." not in repr(value):
            return dumps(message)
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


_CURRENT: list[set[int]] = [set()]  # the hits of the match in progress (under _LOCK)


class _Ruleset(_durable.Ruleset):  # type: ignore[misc]
    """durable's Ruleset, serialising its definition and facts with ``dumps``.

    ``do_actions`` replaces durable's action loop: our actions only record which rule
    matched, so instead of building a closure, parsing the match and writing the session
    state back for every fired rule, it reads the rule key off each pending action and
    completes it. That is most of the cost of a match otherwise.
    """

    def __init__(self, name: str, host: _Host, definition: dict[str, dict[str, Any]]) -> None:
        self._actions = {key: _durable.Promise(rule.pop("run")) for key, rule in definition.items()}
        self._name = name
        self._host = host
        self._handle = _native.create_ruleset(name, dumps(definition))
        self._definition = definition

    def assert_fact(self, fact: dict[str, Scalar]) -> Any:
        return self._handle_result(_native.assert_fact(self._handle, dumps_message(fact)), fact)

    def do_actions(self, state_handle: Any, complete: Callable[[Any, Any], None]) -> None:
        try:
            started = _native.start_action_for_state(self._handle, state_handle)
            payload = started[1] if started else None
            hits = _CURRENT[0]
            while payload:
                key = payload[2 : payload.index('"', 2)]  # {"r12": {...}} or {"sentinel": ...}
                hits.add(SENTINEL if key == "sentinel" else int(key[1:]))
                payload = _native.complete_and_start_action(self._handle, state_handle)
        except BaseException as error:  # durable's own loop reports errors the same way
            complete(error, None)
            return
        complete(None, None)


class _Host(_durable.Host):  # type: ignore[misc]
    """durable's Host without the background dispatch threads (see module doc)."""

    def _run(self) -> None:
        return None

    def add(self, name: str, definition: dict[str, dict[str, Any]]) -> None:
        ruleset = _Ruleset(name, self, definition)
        self._ruleset_directory[name] = ruleset
        self._ruleset_list.append(ruleset)


def _recorder(index: int) -> Callable[[Any], None]:
    def record(c: Any) -> None:  # durable passes its closure; the action only records
        _HITS[c.s.sid].add(index)

    return record


def _register(key: str, expressions: Sequence[Durable]) -> str:
    global _HOST
    if _HOST is None:
        _HOST = _Host()
    name = f"frontdesk_{next(_RULESET_NUMBERS)}"
    definition: dict[str, dict[str, Any]] = {
        f"r{i}": {"all": [{"m": expr}], "run": _recorder(i)} for i, expr in enumerate(expressions)
    }
    definition["sentinel"] = {"all": [{"m": {MARKER: 1}}], "run": _recorder(SENTINEL)}
    try:
        _HOST.add(name, definition)
    except _native.error as exc:
        raise RuleError(f"durable-rules refused a ruleset: {exc}") from exc
    _REGISTERED[key] = name
    return name


def content_key(expressions: Sequence[Durable]) -> str:
    """The content hash under which identical definitions share one durable ruleset."""
    return hashlib.sha256(dumps(list(expressions)).encode()).hexdigest()


def prepare(key: str, expressions: Sequence[Durable]) -> None:
    """Register the ruleset now, so definition errors surface at compile time."""
    with _LOCK:
        if key not in _REGISTERED:
            _register(key, expressions)


def run(key: str, expressions: Sequence[Durable], message: dict[str, Scalar]) -> set[int]:
    """Assert ``message`` in a fresh session; the indexes of the expressions that matched."""
    with _LOCK:
        name = _REGISTERED.get(key) or _register(key, expressions)
        assert _HOST is not None
        sid = f"s{next(_SESSION_NUMBERS)}"
        hits: set[int] = set()
        _HITS[sid] = hits
        _CURRENT[0] = hits
        try:
            try:
                _HOST.assert_fact(name, {**message, MARKER: 1, "sid": sid})
            except Exception as exc:
                # includes MessageNotHandledException, which the sentinel rules out: deleting
                # this session could crash the process, so the ruleset is retired instead
                _REGISTERED.pop(key, None)
                raise RuleError(f"durable-rules failed on ruleset {name}: {exc!r}") from exc
            if SENTINEL not in hits:
                _REGISTERED.pop(key, None)
                raise RuleError(f"durable-rules did not run the actions of ruleset {name}")
            _HOST.delete_state(name, sid)
        finally:
            del _HITS[sid]
        hits.discard(SENTINEL)
        return hits


__all__ = ["SENTINEL", "content_key", "dumps", "prepare", "run"]
