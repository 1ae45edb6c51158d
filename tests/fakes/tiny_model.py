"""A tiny, randomly initialised transformers model, built in the test process.

A byte-level BPE tokenizer trained in memory on a few sentences (so every string can be
spelled, byte by byte if need be), a chat template, and a one-layer Llama with random
weights: nothing is downloaded, and generation is fast. Its outputs are nonsense, which is
the point — whatever it produces under Outlines' constraint must still validate.
"""

from __future__ import annotations

from typing import Any

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    '{"topic": "book"}',
    '{"text": "Which day suits you?"}',
    "null true false",
    "I'd like to book a cleaning tomorrow at 3pm",
    "Ich möchte einen Termin absagen",
    "2026-11-24 15:00 +49 30 1234567 anna@example.com",
    "Dr. Lena Sommer, Anna Schmidt",
]


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    raw.train_from_iterator(CORPUS * 4, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=raw,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
    )


def tiny_model(seed: int = 0) -> tuple[Any, Any]:
    """(model, tokenizer): random weights, greedy decoding is deterministic."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=8192,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config).eval(), tokenizer


__all__ = ["tiny_model", "tiny_tokenizer"]
