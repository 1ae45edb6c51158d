"""The shapes a model's output must take, as Pydantic models generated per request.

Every output is a closed JSON object (``extra="forbid"``: no tool calls, no transitions,
nothing beside the asked values) whose every string is bounded — an enum, an ISO pattern
or a ``max_length``. A topic is one of the business's card ids or ``none``; a service or a
staff member one of the catalog's ids; an offered slot one of the slots offered. Fields are
required but nullable, the form strict structured outputs accept, so "not said" is
``null`` rather than a guess. The models constrain generation (Outlines turns them into a
grammar for a local model; an OpenAI-compatible server gets their JSON Schema, strict) and
are used again to validate whatever came back.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from language.brief import FieldBrief
from language.types import UnderstandContext

MAX_NAME = 80
MAX_TEXT = 300
MAX_ADDRESS = 200
MAX_EMAIL = 120
MAX_PHONE = 32
MAX_REPLY = 700
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,30}$"
EMAIL_PATTERN = r"^[^@\s\"\\]{1,64}@[^@\s\"\\]{1,100}$"
NONE_TOPIC = "none"


class ModelOutput(BaseModel):
    """Base of every output model: frozen, and no key beside the declared ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _bounded(max_length: int, pattern: str | None = None) -> Any:
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=pattern)]


def _one_of(values: tuple[str, ...]) -> Any:
    return Literal[values]  # a Literal over the runtime tuple: an enum in the schema


@functools.lru_cache(maxsize=256)
def topic_model(ids: tuple[str, ...]) -> type[ModelOutput]:
    """``{"topic": <one of ids or "none">}``."""
    choices = tuple(dict.fromkeys((*ids, NONE_TOPIC)))
    model: type[ModelOutput] = create_model(
        "TopicChoice",
        __base__=ModelOutput,
        topic=(_one_of(choices), Field(description="the card id, or none")),
    )
    return model


class SignalsOutput(ModelOutput):
    """What the message signals, beyond its values."""

    affirm: bool = Field(description="says yes / agrees to what was asked")
    deny: bool = Field(description="says no / refuses what was asked")
    wants_human: bool = Field(description="asks for a person, not the assistant")
    urgency: Literal["none", "urgent", "emergency"]
    goodbye: bool = Field(description="ends the conversation")
    correction: bool = Field(description="corrects something said before")


def _field_type(field: FieldBrief, context: UnderstandContext) -> Any | None:
    """The JSON type of one card field in this turn, or ``None`` when it has no value to
    choose from (an offered slot before anything was offered)."""
    kind = field.type
    if kind == "service":
        ids = tuple(s.id for s in context.services)
        return _one_of(ids) if ids else None
    if kind == "staff":
        ids = tuple(s.id for s in context.staff)
        return _one_of((*ids, "any")) if ids else None
    if kind == "offered_slot":
        starts = tuple(s.start.isoformat() for s in context.offered)
        return _one_of(starts) if starts else None
    if kind == "choice":
        return _one_of(context.choices) if context.choices else None
    if kind == "boolean":
        return _one_of(("yes", "no"))
    if kind == "date":
        return _bounded(10, DATE_PATTERN)
    if kind == "time":
        return _bounded(5, TIME_PATTERN)
    if kind == "phone":
        return _bounded(MAX_PHONE, PHONE_PATTERN)
    if kind == "email":
        return _bounded(MAX_EMAIL, EMAIL_PATTERN)
    if kind == "person_name":
        return _bounded(MAX_NAME)
    if kind == "address":
        return _bounded(MAX_ADDRESS)
    return _bounded(MAX_TEXT)  # text


def fields_model(
    fields: tuple[FieldBrief, ...], context: UnderstandContext
) -> type[ModelOutput] | None:
    """One nullable property per card field that can have a value this turn, in the card's
    order; ``None`` when there is none."""
    properties: dict[str, Any] = {}
    for field in fields:
        kind = _field_type(field, context)
        if kind is not None:
            properties[field.name] = (kind | None, Field(description=field.type))
    if not properties:
        return None
    model: type[ModelOutput] = create_model("CardFields", __base__=ModelOutput, **properties)
    return model


@functools.lru_cache(maxsize=64)
def reply_model(max_chars: int) -> type[ModelOutput]:
    """``{"text": <the reply, at most max_chars characters>}``."""
    model: type[ModelOutput] = create_model(
        "Reply", __base__=ModelOutput, text=(_bounded(min(max_chars, MAX_REPLY)), ...)
    )
    return model


def _chars(node: dict[str, Any], defs: dict[str, Any]) -> int:
    """An upper bound of the characters of a JSON value of schema ``node`` (escapes and the
    whitespace Outlines allows between tokens included)."""
    if "$ref" in node:
        return _chars(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return max(_chars(n, defs) for n in node["anyOf"])
    if "const" in node:
        return len(json.dumps(node["const"]))
    if "enum" in node:
        return max(len(json.dumps(v)) for v in node["enum"])
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return 2 + sum(len(json.dumps(k)) + 4 + _chars(v, defs) for k, v in props.items())
    if kind == "string":
        return 2 + 2 * int(node.get("maxLength", MAX_TEXT))  # an escape doubles a character
    return 5  # true, false, null, a small number


def output_bound(output: type[BaseModel]) -> int:
    """The most tokens an output of this model can take (a token is at least a byte)."""
    schema = output.model_json_schema()
    return _chars(schema, schema.get("$defs", {}))


__all__ = [
    "DATE_PATTERN",
    "MAX_REPLY",
    "NONE_TOPIC",
    "ModelOutput",
    "SignalsOutput",
    "TIME_PATTERN",
    "fields_model",
    "output_bound",
    "reply_model",
    "topic_model",
]
