from agents.tools.base import ToolSpec
from agents.tools.selection import select_tools


def spec(name, description):
    return ToolSpec(name=name, description=description)


SPECS = [
    spec("calculator", "evaluate arithmetic expressions"),
    spec("weather", "the weather forecast for a city"),
    spec("search_files", "search notes and documents"),
    spec("translate", "translate text between languages"),
    spec("stock_price", "current stock price of a company"),
    spec("timer", "set a timer"),
    spec("python", "run python code"),
]


def test_few_tools_are_all_offered():
    offered, event = select_tools(SPECS[:3], "anything", message_id="m", agent="A", threshold=5)
    assert len(offered) == 3 and event.offered == ("calculator", "weather", "search_files") and "all 3" in event.reason


def test_many_tools_top_k_by_relevance():
    offered, event = select_tools(
        SPECS, "what is the weather in Paris tomorrow", message_id="m", agent="A", threshold=3, k=2
    )
    assert offered[0].name == "weather" and len(offered) <= 2
    assert event.available == 7 and "BM25" in event.reason and event.scores["weather"] > 0


def test_always_offered_and_no_match():
    offered, _ = select_tools(SPECS, "weather", message_id="m", agent="A", threshold=3, k=2, always=("python",))
    assert [s.name for s in offered] == ["python", "weather"]
    offered, event = select_tools(SPECS, "zzz", message_id="m", agent="A", threshold=3, k=2)
    assert len(offered) == 2 and "no tool description matched" in event.reason
