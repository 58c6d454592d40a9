from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.tools.ask import ask_tool, ask_tool_name
from agents.tools.base import invoke


async def test_another_model_answers_a_sub_question():
    critic = ScriptedProvider(["The plan misses a budget."])
    tool = ask_tool("Critic", critic, persona="You find flaws.")
    assert tool.name == "ask_Critic" and tool.spec.origin == "agent"
    result = await invoke(tool, {"question": "What is wrong with the plan?"})
    assert result.output == "The plan misses a budget."
    assert critic.requests[0].messages[-1].content == "What is wrong with the plan?"
    assert "You find flaws." in critic.requests[0].messages[0].content


async def test_a_failing_model_is_a_tool_error():
    tool = ask_tool("Critic", ScriptedProvider([ProviderError("unreachable", "server down")]))
    result = await invoke(tool, {"question": "?"})
    assert result.kind == "server_error" and "server down" in result.message


def test_names():
    assert ask_tool_name("Dr. Who") == "ask_Dr_Who"
