"""The language models at the edge: providers behind the ``language.model`` port, one
module each.

* :class:`OpenAIChatModel` (``openai_compatible``) — OpenAI or any OpenAI-compatible server
  (Ollama, vLLM, a llama.cpp server) through the ``openai`` client.
* :class:`TransformersModel` (``transformers_model``) — a local transformers model whose
  generation Outlines constrains token by token to the output model's JSON Schema.
* :class:`LlamaCppModel` (``llamacpp``) — a GGUF in-process through llama-cpp-python,
  constrained by llama.cpp's own JSON-Schema grammar.

``backends`` builds the configured model of each business and its LLM backend. Each
provider measures its own latency, counts tokens, and turns every provider failure into a
:class:`~language.model.ModelError` (``timeout`` or ``error``) with ``raise ... from``; the
backend then falls back to offline for the turn. Nothing here is downloaded at run time, and
no provider library is imported before a model is built.
"""

from .backends import build_model, business_brief, effective_config, llm_backends
from .base import SMOLLM2, LanguageSetupError, smollm2_path
from .llamacpp import LlamaCppModel
from .openai_compatible import OpenAIChatModel, openai_model
from .transformers_model import TransformersModel, load_transformers

__all__ = [
    "SMOLLM2",
    "LanguageSetupError",
    "LlamaCppModel",
    "OpenAIChatModel",
    "TransformersModel",
    "build_model",
    "business_brief",
    "effective_config",
    "llm_backends",
    "load_transformers",
    "openai_model",
    "smollm2_path",
]
