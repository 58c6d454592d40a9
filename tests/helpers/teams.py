"""Team specs that tests and benchmarks build alike."""

from __future__ import annotations

from agents.spec import TeamSpec, parse_team


def simultaneous_round(agents: int, tool: str, name: str = "Debate") -> TeamSpec:
    """``agents`` debaters D0, D1, … in one simultaneous round (majority vote), each given ``tool``."""
    spec = parse_team(
        {
            "name": name,
            "agents": [{"name": f"D{i}", "role": "debater"} for i in range(agents)],
            "protocol": {
                "kind": "debate",
                "turn_order": "simultaneous",
                "aggregate": "majority_vote",
                "max_rounds": 1,
                "stop_on_consensus": False,
            },
        }
    )
    return spec.model_copy(update={"agents": tuple(a.model_copy(update={"tools": (tool,)}) for a in spec.agents)})
