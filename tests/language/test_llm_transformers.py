"""Outlines-constrained generation with a local transformers model: whatever a model with
random weights produces under the constraint validates, for every bundled card, and the
LLM backend over it keeps the language-backend contract.

The model is built in the test process (``tests/fakes/tiny_model.py``): a
trained-in-memory byte-level tokenizer and a one-layer Llama with random weights. Nothing
is downloaded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.llm import TransformersModel
from language import HashingEmbedder, OfflineBackend, Slot
from language.brief import BusinessBrief, CardBrief, FieldBrief
from language.llm import LLMBackend
from language.model import ModelRequest
from language.model_fields import check_value
from language.schemas import SignalsOutput, fields_model, reply_model, topic_model
from machines.loader import bundled_cards
from tests.fakes.tiny_model import tiny_model

from .contract import BERLIN, CONTEXT, TOPICS, check_backend_contract

CARDS = bundled_cards()
START = datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN)
OFFERED = tuple(
    Slot(
        start=START + timedelta(hours=h),
        end=START + timedelta(hours=h + 1),
        staff="sommer",
        staff_name="Dr. Lena Sommer",
        service="cleaning",
    )
    for h in range(3)
)
RICH = CONTEXT.model_copy(update={"offered": OFFERED, "choices": ("Morning", "Afternoon")})
PROMPTS = (
    "I'd like to book a cleaning with Dr. Sommer tomorrow at 3pm, I'm Anna Schmidt",
    "Ich möchte meinen Termin absagen, meine Nummer ist +49 30 1234567",
)


@pytest.fixture(scope="module")
def tiny() -> TransformersModel:
    model, tokenizer = tiny_model()
    return TransformersModel(model, tokenizer, "tiny-random-llama", timeout_s=60)


def _ask(model: TransformersModel, output: Any, text: str, purpose: str = "fields") -> Any:
    request = ModelRequest(
        purpose=purpose,
        messages=(("system", "Extract."), ("user", text)),
        output=output,
        max_tokens=2000,
    )  # type: ignore[arg-type]
    done = model.complete(request)
    assert done.tokens_in > 0 and done.tokens_out > 0 and done.latency_ms > 0
    return output.model_validate_json(done.text)  # raises if the constraint failed


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_every_constrained_output_validates_for_every_card(
    tiny: TransformersModel, card_id: str
) -> None:
    card = CARDS[card_id]
    fields = tuple(FieldBrief(name=f.name, type=f.type) for f in card.required_fields)
    output = fields_model(fields, RICH)
    if output is None:
        assert not fields
        return
    for text in PROMPTS:
        parsed = _ask(tiny, output, text)
        for f in fields:  # and the value checks take whatever it said without raising
            value = getattr(parsed, f.name)
            if value is not None:
                check_value(f.type, str(value), text, RICH, "en")


def test_topic_signals_and_reply_outputs_validate(tiny: TransformersModel) -> None:
    ids = tuple(sorted(CARDS))
    for text in PROMPTS:
        assert _ask(tiny, topic_model(ids), text, "topic").topic in (*ids, "none")
        assert isinstance(_ask(tiny, SignalsOutput, text, "signals"), SignalsOutput)
        assert 1 <= len(_ask(tiny, reply_model(120), text, "reply").text) <= 120


def test_generation_is_deterministic(tiny: TransformersModel) -> None:
    output = topic_model(("book", "cancel"))
    request = ModelRequest(
        purpose="topic", messages=(("system", "x"), ("user", "y")), output=output, max_tokens=50
    )
    assert tiny.complete(request).text == tiny.complete(request).text


def test_the_llm_backend_on_a_local_model_keeps_the_contract(tiny: TransformersModel) -> None:
    brief = BusinessBrief(
        name="Zahnarztpraxis Dr. Sommer",
        cards=tuple(
            CardBrief(
                id=t.id,
                fields=(
                    FieldBrief(name="service", type="service"),
                    FieldBrief(name="date", type="date"),
                ),
            )
            for t in TOPICS
        ),
    )
    # hybrid over a hashing embedder asks the model about nearly every topic; the other
    # outputs and the wording are exercised above (random replies run to the bound, and
    # the grounding check would refuse each)
    offline = OfflineBackend(embedder=HashingEmbedder())
    check_backend_contract(LLMBackend(tiny, offline, brief, mode="hybrid"))
    llm = LLMBackend(tiny, offline, brief, mode="llm", words=False)
    said = llm.understand("I'd like to book a cleaning", TOPICS, CONTEXT)
    purposes = [c.purpose for c in said.model_calls]
    assert purposes in (["topic", "fields", "signals"], ["topic", "signals"]), purposes
    assert all(c.outcome in ("ok", "rejected") for c in said.model_calls)


def test_the_prefix_cache_changes_nothing_but_time(tiny: TransformersModel) -> None:
    plain = TransformersModel(tiny.hf_model, tiny.tokenizer, "tiny", prefix_cache=False)
    system = "Stable business facts. " * 20
    for text in PROMPTS:
        for output in (topic_model(("book", "cancel")), SignalsOutput):
            request = ModelRequest(
                purpose="topic",
                messages=(("system", system), ("user", text)),
                output=output,
                max_tokens=200,
            )
            assert tiny.complete(request).text == plain.complete(request).text
    assert sum(system in key for key in tiny._prefixes) == 1  # computed once, used four times
    assert not plain._prefixes
