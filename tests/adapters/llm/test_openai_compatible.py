"""The OpenAI-compatible client goes through the outbound guard (``adapters.net``): its
configured server is reached, any other local address is refused before a connection is
made, and a redirect is not followed. Against the local fake server of the real wire
format (``tests.fakes.fake_openai``), which runs on 127.0.0.1 — a loopback address, so
exactly what the guard refuses unless the URL is the configured one."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from adapters.llm import openai_model
from adapters.net import Outbound, OutboundRefused, guarded_http_client
from engine.business import LanguageConfig
from language.model import ModelError, ModelRequest
from tests.fakes.fake_openai import FakeOpenAI


class Topic(BaseModel):
    topic: str | None


REQUEST = ModelRequest(
    purpose="topic",  # type: ignore[arg-type]
    messages=(("system", "Pick a topic."), ("user", "hello")),
    output=Topic,
    max_tokens=20,
)


def config(url: str) -> LanguageConfig:
    return LanguageConfig(
        mode="llm",
        provider="openai-compatible",  # type: ignore[arg-type]
        base_url=url,
        model="fake-model",
        timeout_s=2.0,
    )


def test_the_configured_server_is_reached_wherever_it_is() -> None:
    with FakeOpenAI().running() as fake:
        done = openai_model(config(fake.url), {}).complete(REQUEST)
        assert Topic.model_validate_json(done.text) and len(fake.requests) == 1


def test_a_local_server_the_operator_did_not_configure_is_refused_unreached() -> None:
    with FakeOpenAI().running() as fake:
        # a business file's base_url, under the operator's policy (which names another URL)
        policy = Outbound().with_urls("https://api.openai.com/v1")
        model = openai_model(config(fake.url), {}, policy)
        with pytest.raises(ModelError) as e:
            model.complete(REQUEST)
        assert e.value.kind == "error" and "loopback" in str(e.value)
        assert fake.requests == []


def test_the_blocking_client_refuses_loopback_unless_allowed() -> None:
    with FakeOpenAI().running() as fake:
        port = int(fake.url.rsplit(":", 1)[1].split("/")[0])
        with guarded_http_client(Outbound()) as client:
            for host in ("127.0.0.1", "localhost"):
                with pytest.raises(OutboundRefused, match="loopback"):
                    client.get(f"http://{host}:{port}/v1/models")
        with guarded_http_client(Outbound.of([f"127.0.0.1:{port}"])) as client:
            answer = client.get(f"http://localhost:{port}/v1/chat/completions")
            assert answer.status_code == 405  # reached: the fake takes POST only
        assert fake.requests == []
