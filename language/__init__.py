"""The language layer: understanding text and wording replies, behind one Protocol.

Everything ``machines/`` and ``engine/`` need is re-exported here. The embedding-backed
parts (``OfflineBackend``, ``TopicModel``, ``FaqIndex``, the embedders) pull in numpy
and faiss, so they are imported on first use: ``import language.types`` — which every card
load does — stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from language.grounding import check_grounded
from language.render import render_plan
from language.types import (
    FIELD_TYPES,
    CatalogItem,
    FaqEntry,
    FieldCandidate,
    FieldType,
    Hazard,
    Lang,
    LanguageBackend,
    ModelCall,
    PlanItem,
    Rendered,
    ReplyPlan,
    Signals,
    Slot,
    TopicEvidence,
    TopicExamples,
    TopicScore,
    UnderstandContext,
    Understanding,
    Urgency,
)

if TYPE_CHECKING:
    from language.classifier import FaqIndex, TopicModel
    from language.embedding import Embedder, HashingEmbedder, MiniLMEmbedder, shared_minilm
    from language.llm import LLMBackend
    from language.offline import OfflineBackend

_LAZY = {
    "FaqIndex": "language.classifier",
    "TopicModel": "language.classifier",
    "Embedder": "language.embedding",
    "HashingEmbedder": "language.embedding",
    "MiniLMEmbedder": "language.embedding",
    "shared_minilm": "language.embedding",
    "OfflineBackend": "language.offline",
    "LLMBackend": "language.llm",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'language' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "FIELD_TYPES",
    "CatalogItem",
    "Embedder",
    "FaqEntry",
    "FaqIndex",
    "FieldCandidate",
    "FieldType",
    "HashingEmbedder",
    "Hazard",
    "LLMBackend",
    "Lang",
    "LanguageBackend",
    "MiniLMEmbedder",
    "ModelCall",
    "OfflineBackend",
    "PlanItem",
    "Rendered",
    "ReplyPlan",
    "Signals",
    "Slot",
    "TopicEvidence",
    "TopicExamples",
    "TopicModel",
    "TopicScore",
    "Understanding",
    "UnderstandContext",
    "Urgency",
    "check_grounded",
    "render_plan",
    "shared_minilm",
]
