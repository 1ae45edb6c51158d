"""The llama.cpp provider: the packaged SmolLM2-135M-Instruct GGUF in-process, its output
held to each schema by llama.cpp's JSON-Schema grammar (enums, ISO patterns, nullable
fields), tokens counted, and a broken request turned into a ``ModelError``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.llm import LanguageSetupError, LlamaCppModel, build_model
from engine.business import LanguageConfig
from language.brief import FieldBrief
from language.model import ModelError, ModelRequest
from language.schemas import SignalsOutput, fields_model, output_bound, topic_model
from language.types import UnderstandContext

CONTEXT = UnderstandContext(
    now=datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Europe/Berlin")),
    timezone="Europe/Berlin",
    languages=("en",),
)
TEXT = "I want to book a haircut on 2026-11-25 at 10:00, I'm Anna, +49 30 1234567"


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppModel:
    model = build_model(LanguageConfig(mode="hybrid", provider="llamacpp", model="smollm2"), {})
    assert isinstance(model, LlamaCppModel)
    return model


def _request(output: type, text: str = TEXT) -> ModelRequest:
    return ModelRequest(
        purpose="fields",
        messages=(("system", "Answer with JSON."), ("user", text)),
        output=output,
        max_tokens=output_bound(output),
    )


def test_every_output_keeps_to_its_schema(smollm2: LlamaCppModel) -> None:
    fields = fields_model(
        tuple(
            FieldBrief(name=n, type=t)
            for n, t in (
                ("date", "date"),
                ("time", "time"),
                ("name", "person_name"),
                ("phone", "phone"),
            )
        ),
        CONTEXT,
    )
    assert fields is not None
    for output in (topic_model(("book", "cancel")), SignalsOutput, fields):
        done = smollm2.complete(_request(output))
        output.model_validate_json(done.text)  # raises if the grammar let anything else by
        assert done.tokens_in > 0 and done.tokens_out > 0 and done.latency_ms > 0
    assert smollm2.complete(_request(fields)).text == done.text  # greedy: deterministic


def test_a_prompt_beyond_the_context_is_a_model_error(smollm2: LlamaCppModel) -> None:
    with pytest.raises(ModelError) as e:
        smollm2.complete(_request(SignalsOutput, "word " * 6000))
    assert e.value.kind == "error"


def test_a_missing_model_file_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(LanguageSetupError, match="no GGUF model at"):
        build_model(
            LanguageConfig(mode="llm", provider="llamacpp", model=str(tmp_path / "nope.gguf")), {}
        )
