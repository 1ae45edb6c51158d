"""Scripted conversations with the three demo businesses, end to end.

Real parts throughout: the MiniLM-based offline language layer, compiled cards and
durable-rules, the SQL store (SQLite, or PostgreSQL in the suite's PostgreSQL pass). Each turn must decide the expected reply-plan items;
afterwards the database must hold exactly the expected appointments, messages and
escalations, every recorded turn must replay identically and every hash chain verify.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.audit import replay, verify_chain
from tests.dbs import database_url

from .scripted import load_scripts, run

BUSINESSES = ("bloom-salon", "rapid-rooter", "praxis-sommer")


@pytest.fixture
async def app(tmp_path, language):
    async with database_url(tmp_path) as db:
        settings = Settings(db=db, businesses=repo_path("examples", "businesses"))
        app = await open_app(settings, language=language)
        yield app
        await app.close()


def _matches(row: dict[str, str], want: dict[str, str]) -> bool:
    return all(str(row.get(k)) == str(v) for k, v in want.items())


@pytest.mark.parametrize("business", BUSINESSES)
async def test_scripted_conversations(app, business):
    store = app.store
    tz = ZoneInfo(app.brains[business].business.timezone)
    failures: list[str] = []
    for conv in [c for c in load_scripts() if c.business == business]:
        results = await run(app.desk, conv)
        for turn, reply, kinds in results:
            missing = [k for k in turn.expect if k not in kinds]
            if missing:
                failures.append(
                    f"[{conv.name}] {turn.say!r}: plan {kinds}, missing {missing};"
                    f" replied {reply.text!r}"
                )
        conversation_id = results[-1][1].conversation_id
        after = conv.after
        if "appointments" in after:
            rows = [
                {
                    "service_id": a.service,
                    "status": a.status,
                    "date": a.start.astimezone(tz).date().isoformat(),
                    "customer_name": a.customer_name,
                }
                for a in await store.list_appointments(business)
            ]
            want = after["appointments"]
            unmatched = [w for w in want if not any(_matches(r, w) for r in rows)]
            if len(rows) != len(want) or unmatched:
                failures.append(f"[{conv.name}] appointments {rows}, expected {want}")
        if "messages" in after:
            rows = [
                {"caller_name": m.caller_name, "callback_number": m.callback_number, "text": m.text}
                for m in await store.list_messages(business)
                if m.conversation_id == conversation_id
            ]
            want = after["messages"]
            if len(rows) != len(want) or not all(any(_matches(r, w) for r in rows) for w in want):
                failures.append(f"[{conv.name}] messages {rows}, expected {want}")
        if "escalations" in after:
            rows = [
                e
                for e in await store.list_escalations(business)
                if e.conversation_id == conversation_id
            ]
            if len(rows) != after["escalations"]:
                failures.append(
                    f"[{conv.name}] {len(rows)} escalations, expected {after['escalations']}"
                )
    assert not failures, "\n".join(failures)

    turns = []
    for cid in await store.all_conversation_ids():
        chain = await store.turns(cid)
        assert verify_chain(chain) == []
        turns += chain
    count, diffs = replay(app.brains, turns)
    assert count == len(turns) > 0
    assert diffs == []
