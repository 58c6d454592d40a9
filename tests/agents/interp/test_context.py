"""Which tokens a message is inspected with: its context, its exact ids, who said what."""

import pytest

from agents.events import MessageCompleted, Usage
from agents.interp.context import message_input, text_input
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.local import LocalProvider
from agents.llm.local_model import load_local_model
from agents.llm.refs import LocalRef
from agents.spec import load_template


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    return load_local_model(LocalRef(path=str(tiny_model_dir)), "cpu", "auto", 256, lambda e: None)


def done(agent, text, model="openai:remote", token_ids=None):
    return MessageCompleted(
        message_id=f"m-{agent}",
        agent=agent,
        model=model,
        text=text,
        finish_reason="stop",
        usage=Usage(),
        token_ids=token_ids,
    )


def test_a_foreign_message_is_retokenised_after_its_context(loaded):
    team = load_template("debate_with_judge")
    first, second = done("Affirmative", "Cars pollute the air."), done("Negative", "Buses need roads too.")
    inp = message_input(loaded, [first, second], second.message_id, task="Ban cars?", team=team)
    own = loaded.tokenizer(second.text, add_special_tokens=False)["input_ids"]
    assert not inp.exact_ids and not inp.exact_prompt
    assert list(inp.token_ids[-len(own) :]) == own and inp.focus_start == len(inp.token_ids) - len(own)
    labels = [s.label for s in inp.spans]
    assert labels == ["system", "task", "Affirmative #1", "Negative (inspected)"]
    span = next(s for s in inp.spans if s.message_id == first.message_id)
    assert "Cars pollute the air." in loaded.tokenizer.decode(list(inp.token_ids[span.start : span.end]))
    assert len(inp.labels) == len(inp.token_ids)


async def test_a_generated_message_uses_its_exact_ids_and_prompt(loaded):
    provider = LocalProvider(loaded)
    request = CompletionRequest(
        messages=(ChatMessage(role="user", content="Alice: I think the answer"),),
        params=GenerationParams(max_tokens=8, temperature=0.0),
        speaker="Bob",
    )
    generated = [e async for e in provider.stream(request)][-1]
    assert generated.token_ids
    inp = message_input(loaded, [generated], generated.message_id)
    assert inp.exact_ids and inp.exact_prompt
    assert inp.token_ids[-len(generated.token_ids) :] == generated.token_ids
    assert inp.focus_start == generated.usage.prompt_tokens


def test_unknown_messages_and_empty_text_are_clear_errors(loaded):
    with pytest.raises(ValueError, match="not in this conversation"):
        message_input(loaded, [done("Alice", "hi")], "nope")
    with pytest.raises(ValueError, match="empty"):
        text_input(loaded, "")
