"""Methods, all built from the existing protocols: one answer, chain of thought,
self-consistency, majority vote, simultaneous debate then vote (Du et al.), debate refereed
by a judge (Liang et al.'s MAD), and heterogeneous teams.

A method is named in one short token: ``single``, ``cot``, ``sc5``, ``vote3``,
``debate3x2`` (3 agents x 2 rounds), ``judge2x3``, ``hetero3x2``, and ``sc@debate3x2``
(self-consistency with N sized so that its tokens match that method's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from agents.agent import Agent
from agents.spec import DebateProtocol, Link, TeamSpec

MethodKind = Literal["single", "cot", "sc", "vote", "debate", "judge", "hetero"]
SAMPLED = ("single", "cot", "sc")  # one model sampled directly, no team
MAX_AGENTS = 8
NAMES = ("Ada", "Blaise", "Carl", "Dana", "Emmy", "Fermat", "Gauss", "Hilbert")
STYLES = (
    "You solve problems step by step.",
    "You check the reasoning carefully before you answer.",
    "You look for the simplest correct solution.",
)
FORMAT = "End your reply with 'Answer: <answer>'."
SINGLE_INSTRUCTION = "Reply with the final answer only, as 'Answer: <answer>'."
COT_INSTRUCTION = "Think step by step, then end your reply with 'Answer: <answer>'."
METHOD_FORMS = "single, cot, scN, voteN, debateNxR, judgeNxR, heteroNxR, sc@METHOD"
_PATTERN = re.compile(r"^(?:(single|cot)|(sc|vote)(\d+)|(debate|judge|hetero)(\d+)x(\d+)|sc@(.+))$")


@dataclass(frozen=True)
class Method:
    name: str
    kind: MethodKind
    agents: int = 1  # debaters, voters or samples
    rounds: int = 1
    match: str | None = None  # sc@METHOD: the method whose tokens N is sized to

    @property
    def sampled(self) -> bool:
        return self.kind in SAMPLED

    @property
    def has_rounds(self) -> bool:
        return self.kind in ("debate", "judge", "hetero")

    @property
    def mixes_models(self) -> bool:
        return self.kind == "hetero"

    def sized(self, samples: int) -> Method:
        """A matched self-consistency method once its N is known."""
        return Method(self.name, "sc", samples, 1, self.match)


class MethodError(ValueError):
    """An unknown or impossible method name."""


def parse_method(text: str) -> Method:
    name = text.strip().lower()
    found = _PATTERN.match(name)
    if not found:
        raise MethodError(f"unknown method {text!r}; methods: {METHOD_FORMS}")
    plain, counted, count, teamed, agents, rounds, target = found.groups()
    if plain:
        return Method(name, cast(MethodKind, plain))
    if target:
        matched = parse_method(target)
        if matched.sampled:
            raise MethodError(
                f"{text!r}: self-consistency is matched to a team method (debate, judge, vote, hetero), not {target!r}"
            )
        return Method(name, "sc", 0, 1, matched.name)
    if counted:
        n = int(count)
        least = 2 if counted == "vote" else 1
        if not least <= n <= (MAX_AGENTS if counted == "vote" else 64):
            raise MethodError(f"{text!r}: N must be between {least} and {MAX_AGENTS if counted == 'vote' else 64}")
        return Method(name, cast(MethodKind, counted), n)
    n, r = int(agents), int(rounds)
    if not 2 <= n <= MAX_AGENTS or not 1 <= r <= 10:
        raise MethodError(f"{text!r}: a team needs 2 to {MAX_AGENTS} agents and 1 to 10 rounds")
    return Method(name, cast(MethodKind, teamed), n, r)


def parse_methods(names: Sequence[str]) -> list[Method]:
    methods = [parse_method(n) for n in names]
    seen = [m.name for m in methods]
    repeated = sorted({n for n in seen if seen.count(n) > 1})
    if repeated:
        raise MethodError(f"methods repeated: {repeated}")
    for method in methods:
        if method.match and method.match not in seen:
            raise MethodError(f"{method.name!r} matches {method.match!r}, which is not among the methods")
        if method.match and not any(m.kind in ("cot", "sc") and not m.match for m in methods):
            raise MethodError(
                f"{method.name!r} needs 'cot' or an scN method too: its N is the matched method's "
                "tokens divided by one chain-of-thought sample's"
            )
    return methods


def team_for(method: Method, models: Sequence[str], example: str, temperature: float, max_tokens: int) -> TeamSpec:
    """The team a vote, debate, judge or heterogeneous method runs; ``models`` is one
    reference, or (heterogeneous) the references handed round the agents."""
    agents = [
        Agent(
            name=NAMES[i],
            role="debater",
            model=models[i % len(models)],
            temperature=temperature,
            max_tokens=max_tokens,
            persona=f"{STYLES[i % len(STYLES)]} {FORMAT}\nExample:\n{example}",
        )
        for i in range(method.agents)
    ]
    links: tuple[Link, ...] = ()
    protocol = DebateProtocol(
        turn_order="simultaneous", aggregate="majority_vote", max_rounds=method.rounds, stop_on_consensus=False
    )
    if method.kind == "judge":
        agents.append(
            Agent(
                name="Judge",
                role="judge",
                model=models[0],
                temperature=0.2,
                max_tokens=max_tokens,
                persona="You are an impartial judge. Decide which debater's answer is correct.",
            )
        )
        links = tuple(Link(source="Judge", target=a.name, kind="judges") for a in agents[:-1])
        protocol = DebateProtocol(
            turn_order="sequential", aggregate="judge", max_rounds=method.rounds, stop_on_consensus=False
        )
    return TeamSpec(
        name=f"experiment {method.name}",
        agents=tuple(agents),
        protocol=protocol,
        links=links,
        description=f"Experiment method {method.name}",
    )


def instruction_for(method: Method) -> str:
    return SINGLE_INSTRUCTION if method.kind == "single" else COT_INSTRUCTION
