"""The recall proof's harness itself: a provider that only copies from its prompt scores 100 %
with memory and 0 % without, so the numbers it reports on real models mean what they say."""

import re

from agents.llm.scripted import ScriptedProvider
from tests.bench.memory_recall import make_tasks, recall


def copier(request):
    user = request.messages[1].content
    if request.speaker == "Memory":  # the write step: store the sentence with a possessive
        fact = re.search(r"[A-Z]\w+'s [^.]+\.", user.split("Conversation:\n")[1])
        return f"ADD 8 | {fact.group(0)}" if fact else "NOOP"
    question = re.search(r"What is (\w+)'s ([^?]+)\?", user)
    found = re.search(rf"{question.group(1)}'s {question.group(2)} is ([^.\n]+)\.", user)
    return found.group(1) if found else "I do not know"


async def test_an_oracle_copier_scores_all_with_memory_and_none_without(tmp_path):
    tasks = make_tasks(20)
    assert len({t.question for t in tasks}) == 20
    result = await recall(ScriptedProvider(copier), tasks, tmp_path)
    assert result["with_memory"] == 1.0 and result["without_memory"] == 0.0 and result["retrieved"] == 1.0
    assert result["writes"]["ADD"] == 20 and result["writes"]["unreadable"] == 0
