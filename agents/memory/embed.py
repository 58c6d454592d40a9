"""Optional embeddings for relevance: an OpenAI-compatible ``/v1/embeddings`` endpoint.

Chosen over mean-pooled hidden states of the embedded model: Gemma 3 270M is a base model whose
mean-pooled states were never trained to place similar sentences together (they are anisotropic
and dominated by frequent tokens), and every memory would cost a forward pass on the worker that
also generates. BM25 stays the default (no download, deterministic, ~1 ms at 10k memories);
an embedding server (llama.cpp ``--embedding``, vLLM, Ollama, OpenAI) adds semantic matches.
An embedding failure never loses a write or a read: the step goes on lexically.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import openai

from agents.llm.credentials import api_key_for
from agents.llm.refs import OpenAIRef


class Embedder(Protocol):
    async def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """One vector per text. Raises on failure (the caller falls back to BM25 alone)."""
        ...


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible server, addressed like a chat model reference."""

    def __init__(self, ref: OpenAIRef, timeout_s: float = 30.0):
        endpoint = ref.endpoint
        self.model = endpoint.model
        self._client = openai.AsyncOpenAI(
            base_url=endpoint.base_url, api_key=api_key_for(ref), timeout=timeout_s, max_retries=1
        )

    async def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        response = await self._client.embeddings.create(model=self.model, input=list(texts))
        return [tuple(item.embedding) for item in sorted(response.data, key=lambda item: item.index)]

    async def aclose(self) -> None:
        await self._client.close()
