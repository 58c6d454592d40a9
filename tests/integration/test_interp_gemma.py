"""The interpretability engine on the real embedded Gemma 3 270M."""

import asyncio

import numpy as np
import pytest
import torch

from agents.events import MessageCompleted
from agents.interp.context import message_input, text_input
from agents.interp.engine import InspectCache, inspect_stream
from agents.interp.records import InspectFinished
from agents.interp.result import InspectResult
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams

pytestmark = pytest.mark.integration


def inspect(loaded, inp):
    async def run():
        result = InspectResult()
        async for event in inspect_stream(loaded, inp, cache=InspectCache()):
            result.apply(event)
        return result

    return asyncio.run(run())


def test_lens_last_row_is_gemmas_own_distribution(embedded):
    loaded = embedded.loaded
    inp = text_input(loaded, "The capital of France is Paris, and the capital of Italy is")
    res = inspect(loaded, inp)
    assert isinstance(res.finished, InspectFinished) and res.finished.parity_max_abs_diff < 1e-3
    with torch.inference_mode():
        logits = loaded.model(torch.tensor([list(inp.token_ids)], device=loaded.model.device)).logits[0].float()
    logp = torch.log_softmax(logits, -1).cpu()
    top = logp.topk(10, -1)
    assert np.array_equal(res.lens["top_ids"][-1], top.indices.numpy())
    np.testing.assert_allclose(np.log(res.lens["top_probs"][-1]), top.values.numpy(), atol=2e-3)
    assert res.text_of(res.lens["top_ids"][-1, -1, 0]).strip("␣") == "Rome"
    # Gemma ties its embeddings: the embedding row's lens reads back the input token itself.
    assert np.mean(res.lens["top_ids"][0, :, 0] == np.array(inp.token_ids)) > 0.9
    assert np.all(np.isfinite(res.lens["entropy"])) and np.all(res.lens["kl_to_final"][-1] < 1e-4)
    for weights in res.attention:
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-3)
        assert np.all(np.triu(weights, k=1) == 0.0)


def test_a_generated_message_is_inspected_with_its_exact_ids(embedded):
    request = CompletionRequest(
        messages=(ChatMessage(role="user", content="Name one planet."),),
        params=GenerationParams(max_tokens=12, temperature=0.0),
        speaker="Alice",
    )

    async def generate():
        return [e async for e in embedded.stream(request)][-1]

    done = asyncio.run(generate())
    assert isinstance(done, MessageCompleted) and done.token_ids
    inp = message_input(embedded.loaded, [done], done.message_id, task="Name one planet.")
    assert inp.exact_ids and inp.token_ids[-len(done.token_ids) :] == done.token_ids
    assert inp.focus_start == done.usage.prompt_tokens  # the very prompt the provider used
    res = inspect(embedded.loaded, inp)
    assert res.finished is not None and res.finished.parity_max_abs_diff < 1e-3
