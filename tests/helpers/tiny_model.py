"""A tiny randomly initialised causal LM with a real tokenizer, built on the spot (no hub)."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "Alice: I think the answer is forty-two.",
    "Bob: I disagree, the evidence points elsewhere.",
    "User: What is the capital of France? Paris is the capital.",
    "The quick brown fox jumps over the lazy dog. Ünïcödé ✓ 🤖 日本語",
] * 20


def build_tiny_model(folder: Path, max_positions: int = 512) -> Path:
    """Write a tiny Gemma-3-architecture model and byte-level BPE tokenizer to ``folder``."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    bpe.train_from_iterator(CORPUS, vocab_size=400, min_frequency=1, special_tokens=specials)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<pad>", eos_token="<eos>", bos_token="<bos>", unk_token="<unk>"
    )
    # Byte-level BPE adds no BOS by itself; a post-processor makes add_special_tokens do it.
    from tokenizers.processors import TemplateProcessing

    bos_id = tokenizer.convert_tokens_to_ids("<bos>")
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(
        single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", bos_id)]
    )
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=max_positions,
        sliding_window=64,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=bos_id,
        layer_types=["sliding_attention", "full_attention"],
    )
    torch.manual_seed(0)
    model = Gemma3ForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
