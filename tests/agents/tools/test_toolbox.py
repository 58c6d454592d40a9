import json

from agents.agent import Agent
from agents.events import MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest
from agents.llm.scripted import ScriptedProvider
from agents.tool_settings import ToolSettings
from agents.tools.events import ToolAuthored, ToolCallCompleted, ToolCallFailed, ToolsOffered
from agents.tools.sandbox import SandboxLimits
from agents.tools.toolbox import Toolbox

SETTINGS = ToolSettings(sandbox=SandboxLimits(wall_s=10))
PROPOSAL = {
    "source": 'def reverse(text: str) -> str:\n    "Reverse a text."\n    return text[::-1]\n',
    "test": "assert reverse('abc') == 'cba'",
}


def request(text="go") -> CompletionRequest:
    return CompletionRequest(messages=(ChatMessage(role="user", content=text),), speaker="Smith")


def replies(*texts):
    def reply(req):
        made = req.messages[-1].content.count("<output>") if req.messages[-1].role == "assistant" else 0
        return texts[min(made, len(texts) - 1)]

    return ScriptedProvider(reply)


async def run_turn(box, agent, provider, text="go"):
    return [e async for e in box.turn(agent, request(text), provider)]


async def test_each_agent_gets_only_its_tools(tmp_path):
    alice, bob = Agent(name="Alice", tools=("calculator", "ask_Bob")), Agent(name="Bob")
    providers = {"Alice": ScriptedProvider([]), "Bob": ScriptedProvider(["Bob says 7."])}
    box = await Toolbox.open([alice, bob], providers, SETTINGS, tmp_path / "team.json")
    assert box.for_agent(alice).names() == ["ask_Bob", "calculator"] and box.for_agent(bob).names() == []
    events = await run_turn(box, alice, replies("<tool>ask_Bob('what is 3+4?')</tool>", "Bob says 7."))
    assert isinstance(events[0], ToolsOffered) and set(events[0].offered) == {"ask_Bob", "calculator"}
    assert next(e for e in events if isinstance(e, ToolCallCompleted)).output == "Bob says 7."


async def test_an_agent_writes_a_tool_uses_it_and_a_later_session_loads_it(tmp_path):
    smith = Agent(name="Smith", tools=("make_tool",))
    team = tmp_path / "team.json"
    box = await Toolbox.open([smith], {"Smith": ScriptedProvider([])}, SETTINGS, team, session="s1")
    make = f"<tool>make_tool({json.dumps(PROPOSAL)})</tool>"
    events = await run_turn(box, smith, replies(make, "<tool>reverse('lab')</tool>", "Done."))
    authored = next(e for e in events if isinstance(e, ToolAuthored))
    assert authored.ok and authored.session == "s1" and authored.author == "Smith"
    outputs = [e.output for e in events if isinstance(e, ToolCallCompleted)]
    assert outputs[-1] == "bal" and isinstance(events[-1], MessageCompleted)
    later = await Toolbox.open([smith], {"Smith": ScriptedProvider([])}, SETTINGS, team, session="s2")
    assert "reverse" in later.for_agent(smith).names()
    again = await run_turn(later, smith, replies("<tool>reverse('tool')</tool>", "Ok."))
    assert [e.output for e in again if isinstance(e, ToolCallCompleted)] == ["loot"]


async def test_a_tool_the_team_file_does_not_give_is_unknown(tmp_path):
    alice = Agent(name="Alice", tools=("calculator",))
    box = await Toolbox.open([alice], {"Alice": ScriptedProvider([])}, SETTINGS)
    events = await run_turn(box, alice, replies("<tool>python('print(1)')</tool>", "ok"))
    assert next(e for e in events if isinstance(e, ToolCallFailed)).kind == "unknown_tool"


async def test_many_tools_are_selected_by_relevance(tmp_path):
    alice = Agent(name="Alice", tools=("calculator", "python", "search_files", "read_file"))
    settings = SETTINGS.model_copy(update={"selection_threshold": 2, "selection_k": 1})
    box = await Toolbox.open([alice], {"Alice": ScriptedProvider([])}, settings)
    events = await run_turn(box, alice, replies("fine"), text="please evaluate this arithmetic expression")
    offered = events[0]
    assert offered.offered == ("calculator",) and offered.available == 4 and "BM25" in offered.reason


async def test_a_team_without_a_file_keeps_its_library_in_the_data_folder():
    smith = Agent(name="Smith", tools=("make_tool",))
    box = await Toolbox.open([smith], {"Smith": ScriptedProvider([])}, SETTINGS, team_name="Draft team!")
    assert box.library is not None and box.library.path.name == "Draft-team.tools.json"
    assert "tool-libraries" in str(box.library.path) and "make_tool" in box.for_agent(smith).names()
