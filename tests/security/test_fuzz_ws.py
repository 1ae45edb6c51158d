"""Arbitrary WebSocket traffic on the web chat's socket: text, binary and JSON frames of
any shape, hellos with any session (another tenant's included), messages before the hello,
hellos in the middle. Every frame the server sends is a JSON object of a known type, none
carries a traceback or another business's customer, and the socket never closes with an
internal error.

After each frame the test sends a frame of an unknown type whose name it chose (the sync
frame); the server answers frames in order, so the error naming it marks the end of the
answers to the frame before. A rate-limited message is answered by silence, which this
tolerates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.fakes.tenants import BLOOM, PRAXIS, ROOTER, TENANTS, Rig

pytestmark = pytest.mark.asyncio(loop_scope="module")

LEAK = re.compile(r"Traceback|File \"|\b\w+(?:Error|Exception)\b")
KINDS = {"welcome", "typing", "reply", "error"}

anything = st.text(max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | anything,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(anything, inner, max_size=4),
    max_leaves=12,
)


@dataclass(frozen=True)
class Frame:
    binary: bool
    data: str | bytes


def _json(value: Any) -> Frame:
    return Frame(False, json.dumps(value))


def _hello(session: Any, lang: Any, extra: dict[str, Any]) -> Frame:
    return _json({**extra, "type": "hello", "session": session, "lang": lang})


def _message(kind: str, cid: Any, text: Any) -> Frame:
    return _json({"type": kind, "id": cid, ("text" if kind == "message" else "value"): text})


sessions = st.one_of(
    st.sampled_from(["", "seed:" + BLOOM, "seed:" + PRAXIS]),
    st.from_regex(r"\A[A-Za-z0-9_-]{16,64}\Z"),
    json_values,
)
hellos = st.builds(
    _hello, st.sampled_from(["", "seed:" + BLOOM, "seed:" + PRAXIS]), st.none(), st.just({})
)
frames = st.one_of(
    st.text(max_size=300).map(lambda t: Frame(False, t)),
    st.binary(max_size=300).map(lambda b: Frame(True, b)),
    json_values.map(_json),
    st.builds(
        _hello,
        sessions,
        st.sampled_from([None, "en", "de"]) | json_values,
        st.dictionaries(anything, json_values, max_size=2),
    ),
    st.builds(
        _message,
        st.sampled_from(["message", "choice"]),
        st.from_regex(r"\A[A-Za-z0-9_.:-]{1,64}\Z") | json_values,
        st.text(min_size=1, max_size=200) | json_values,
    ),
    st.builds(  # a well-formed message, in or out of order
        _message,
        st.sampled_from(["message", "choice"]),
        st.from_regex(r"\A[A-Za-z0-9_.:-]{1,64}\Z"),
        st.text(min_size=1, max_size=200),
    ),
    hellos,
    st.sampled_from(
        [
            Frame(False, '{"type": "hello"'),
            Frame(False, '{"type": "message", "id": "x", "text": "' + "a" * 2001 + '"}'),
            Frame(False, '{"type": "hello", "session": "\\ud800", "lang": null}'),
            Frame(False, '{"type": "message", "id": "\\u0000", "text": "\\u0000"}'),
        ]
    ),
)


# half the scripts say hello first, the other half may say anything first
scripts = st.tuples(st.booleans(), hellos, st.lists(frames, min_size=1, max_size=6)).map(
    lambda t: [t[1], *t[2]] if t[0] else t[2]
)


def _resolve(frame: Frame, rig: Rig) -> Frame:
    """Put the seeded sessions where the strategy asked for them."""
    if isinstance(frame.data, str):
        for slug, session in rig.sessions.items():
            frame = Frame(False, frame.data.replace(f"seed:{slug}", session))
    return frame


async def _answers(ws: aiohttp.ClientWebSocketResponse, sync: str) -> list[dict[str, Any]] | None:
    """The frames the server sent up to the sync frame's error; None when it closed."""
    got: list[dict[str, Any]] = []
    while True:
        msg = await ws.receive(timeout=60)
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            assert ws.close_code != aiohttp.WSCloseCode.INTERNAL_ERROR, got
            return None
        assert msg.type == WSMsgType.TEXT, msg
        assert not LEAK.search(msg.data), msg.data[:300]
        frame = json.loads(msg.data)
        assert isinstance(frame, dict) and frame.get("type") in KINDS, frame
        if frame["type"] == "error" and sync in frame["error"]:
            return got
        got.append(frame)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    slug=st.sampled_from([BLOOM, PRAXIS, ROOTER]),
    script=scripts,
)
async def test_no_frame_gets_a_traceback_a_crash_or_another_tenants_data(
    tenants: Rig, slug: str, script: list[Frame]
) -> None:
    rig = tenants
    try:
        ws = await rig.client.ws_connect(f"/ws/{slug}")
    except aiohttp.WSServerHandshakeError as e:  # a cap on sockets per address, say
        assert e.status < 500, e.status
        event("socket refused")
        return
    async with ws:
        for n, frame in enumerate(script):
            frame = _resolve(frame, rig)
            if frame.binary:
                assert isinstance(frame.data, bytes)
                await ws.send_bytes(frame.data)
            else:
                assert isinstance(frame.data, str)
                await ws.send_str(frame.data)
            sync = f"sync-{n}"
            await ws.send_json({"type": sync})
            answers = await _answers(ws, sync)
            if answers is None:
                return
            for answer in answers:
                event(f"answered with {answer['type']}")  # --hypothesis-show-statistics
                leaked = rig.leaked(json.dumps(answer, ensure_ascii=False), slug)
                assert not leaked, (leaked, frame, answer)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slug=st.text(max_size=40).filter(lambda s: s not in TENANTS and s != ROOTER))
async def test_a_socket_for_an_unknown_business_is_refused_plainly(tenants: Rig, slug: str) -> None:
    from urllib.parse import quote

    path = "/ws/" + quote(slug, safe="")
    try:
        async with tenants.client.ws_connect(path):
            pytest.fail(f"a socket opened for {slug!r}")
    except aiohttp.WSServerHandshakeError as e:
        assert e.status < 500, e.status


async def test_each_tenants_session_resumes_only_at_its_own_business(tenants: Rig) -> None:
    """The leak check can fire: a tenant's session at its own socket brings back its
    customer's words; at the other tenant's socket, none of them."""
    rig = tenants
    for slug, tenant in TENANTS.items():
        for at in TENANTS:
            async with rig.client.ws_connect(f"/ws/{at}") as ws:
                await ws.send_json({"type": "hello", "session": rig.sessions[slug], "lang": "en"})
                msg = await ws.receive(timeout=60)
                welcome = msg.data if msg.type == WSMsgType.TEXT else ""
            if at == slug:
                assert tenant.name in welcome
            else:
                assert not rig.leaked(welcome, at)
