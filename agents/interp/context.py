"""What to run: a plain text, or one message of a conversation in its context.

A message is read the way the local provider prompted its author: the conversation up to
that message rendered by ``LocalProvider.render`` (chat template or speaker transcript),
then the message itself. For a message the same local model generated, its exact token ids
(``MessageCompleted.token_ids``) are used instead of a re-tokenisation of its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.events import MessageCompleted
from agents.interp.records import InspectInput, TokenSpan
from agents.interp.tokens import token_labels
from agents.llm.local import LocalProvider
from agents.llm.prompt import clean_text
from agents.spec import TeamSpec
from agents.teams.context import RunContext, Turn
from agents.termination import ExternalStop, from_spec


def text_input(loaded: Any, text: str, title: str = "") -> InspectInput:
    ids = LocalProvider(loaded).encode(clean_text(text)) if text else []
    if not ids:
        raise ValueError("there is nothing to inspect: the text is empty")
    ids = _fit(loaded, ids)
    return InspectInput(token_ids=tuple(ids), labels=token_labels(loaded.tokenizer, ids), title=title or "text")


def message_input(
    loaded: Any, messages: Sequence[MessageCompleted], message_id: str, task: str = "", team: TeamSpec | None = None
) -> InspectInput:
    """Message ``message_id`` after everything said before it, as its author was prompted."""
    index = next((i for i, m in enumerate(messages) if m.message_id == message_id), None)
    if index is None:
        raise ValueError(f"message {message_id} is not in this conversation")
    target, before = messages[index], [m for m in messages[:index] if m.finish_reason != "error"]
    provider = LocalProvider(loaded)
    exact = bool(target.token_ids) and target.model == loaded.identity.ref
    chat = _chat_messages(target.agent, before, task, team)
    # The prompt the model really saw, when this process generated the message; else rebuilt.
    recent = loaded.recent_prompts.get(message_id) if exact else None
    exact_prompt = recent is not None
    if recent is not None:
        prompt, seen = recent
    else:
        prompt = provider.render(chat, target.agent)
        seen = provider.encode(prompt)
    prompt_ids = list(seen)
    own = (
        list(target.token_ids or ())
        if exact
        else loaded.tokenizer(clean_text(target.text), add_special_tokens=False)["input_ids"]
    )
    ids = _fit(loaded, prompt_ids + own)
    cut = len(prompt_ids) + len(own) - len(ids)  # tokens dropped from the front
    spans = _spans(loaded, prompt, prompt_ids, chat, before, task) + [
        TokenSpan(
            f"{target.agent} (inspected)", len(prompt_ids), len(prompt_ids) + len(own), target.agent, target.message_id
        )
    ]
    spans = [
        TokenSpan(s.label, max(0, s.start - cut), s.end - cut, s.agent, s.message_id) for s in spans if s.end > cut
    ]
    return InspectInput(
        token_ids=tuple(ids),
        labels=token_labels(loaded.tokenizer, ids),
        spans=tuple(spans),
        title=f"{target.agent}: {' '.join(target.text.split())[:60]}",
        focus_start=max(0, len(prompt_ids) - cut),
        exact_ids=exact,
        exact_prompt=exact_prompt,
    )


def _chat_messages(agent: str, before: Sequence[MessageCompleted], task: str, team: TeamSpec | None) -> tuple:
    turns = [Turn(m.agent, m.text, m.message_id, 0) for m in before]
    member = next((a for a in team.agents if a.name == agent), None) if team is not None else None
    if team is None or member is None:  # no team file: the same turns, without a persona
        from agents.llm.base import ChatMessage

        head = [ChatMessage(role="user", content=task)] if task else []
        return tuple(
            head
            + [
                ChatMessage(role="assistant" if t.agent == agent else "user", content=t.text, name=t.agent)
                for t in turns
            ]
        )
    ctx = RunContext(team, {}, task, from_spec(team.termination), ExternalStop())
    return ctx.messages_for(member, turns, None)


def _spans(
    loaded: Any, prompt: str, prompt_ids: list[int], chat: tuple, before: Sequence[MessageCompleted], task: str
) -> list[TokenSpan]:
    """Token ranges of the task and of each earlier message inside the rendered prompt."""
    encoded = loaded.tokenizer(prompt, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded.get("offset_mapping")
    if offsets is None:
        return []
    # A BOS the provider's encode adds (positive), or the front the provider cut to fit (negative).
    shift = len(prompt_ids) - len(encoded["input_ids"])
    parts: list[tuple[str, str | None, str | None, str]] = [
        ("system", None, None, m.content) for m in chat if m.role == "system"
    ]
    parts += [("task", None, None, task)] if task else []
    counts: dict[str, int] = {}
    for m in before:
        counts[m.agent] = counts.get(m.agent, 0) + 1
        parts.append((f"{m.agent} #{counts[m.agent]}", m.agent, m.message_id, m.text))
    spans, cursor = [], 0
    for label, agent, message_id, text in parts:
        found, length = _find(prompt, clean_text(text).strip(), cursor)
        if found < 0:
            continue
        cursor = found + length
        tokens = [i for i, (a, b) in enumerate(offsets) if b > found and a < cursor]
        if tokens and tokens[-1] + 1 + shift > 0:
            spans.append(TokenSpan(label, max(0, tokens[0] + shift), tokens[-1] + 1 + shift, agent, message_id))
    return spans


def _find(prompt: str, needle: str, cursor: int) -> tuple[int, int]:
    """Where ``needle`` is, or failing that its longest tail found in halvings (fitting a
    prompt to the context window can cut a message's beginning)."""
    length = len(needle)
    while length >= 16 or (length and length == len(needle)):
        found = prompt.find(needle[len(needle) - length :], cursor)
        if found >= 0:
            return found, length
        length //= 2
    return -1, 0


# All attention for 4,096 tokens is 4.6 GB of float32 on Gemma 3 270M: a sane ceiling.
MAX_TOKENS = 4096


def _fit(loaded: Any, ids: list[int]) -> list[int]:
    """Keep the end (the part being inspected) when the input exceeds what is inspected."""
    window = getattr(loaded.model.config.get_text_config(), "max_position_embeddings", None) or MAX_TOKENS
    return ids[-min(window, MAX_TOKENS) :]
