"""A team being edited: like a TeamSpec, but allowed to be incomplete.

The builder's canvas edits a draft, never a TeamSpec, because half-built teams (a debate
with no judge yet) are normal while editing. Every edit returns a new draft, so an undo
step is just the draft before and the draft after. ``problems()`` is the live validation;
``to_spec()`` gives the runnable team or says what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from agents.agent import Agent
from agents.spec import (
    DebateProtocol,
    Link,
    LinkKind,
    Protocol,
    TeamFileError,
    TeamSpec,
    TerminationSpec,
    link_problems,
    name_problems,
    parse_team,
    protocol_problems,
    steering_problem,
)

Point = tuple[float, float]

# What each palette card drops onto the canvas: role, default name and persona.
ROLE_CARDS: dict[str, tuple[str, str]] = {
    "debater": ("Debater", "You argue one side. Be concise and give one clear argument per turn."),
    "judge": ("Judge", "You are an impartial judge. Weigh the arguments and decide who argued better."),
    "manager": ("Manager", "You split the task, delegate parts to workers and decide when it is done."),
    "worker": ("Worker", "You carry out the part of the task you are given and report back briefly."),
    "critic": ("Critic", "You point out the weakest step of the last proposal and suggest a fix."),
    "planner": ("Planner", "You break the task into a short numbered plan."),
    "human": ("Human", ""),
    "assistant": ("Agent", ""),
}
CARD_TITLES = {"assistant": "Custom"}


@dataclass(frozen=True)
class TeamDraft:
    name: str = "Untitled team"
    description: str = ""
    agents: tuple[Agent, ...] = ()
    links: tuple[Link, ...] = ()
    protocol: Protocol = field(default_factory=DebateProtocol)
    termination: TerminationSpec = field(default_factory=TerminationSpec)
    positions: tuple[tuple[str, Point], ...] = ()
    sample_task: str = ""

    # --- conversion ---------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: TeamSpec) -> TeamDraft:
        auto = default_layout(spec.agents)
        positions = tuple((a.name, _point(spec.layout.get(a.name, auto[a.name]))) for a in spec.agents)
        return cls(
            spec.name,
            spec.description,
            spec.agents,
            spec.links,
            spec.protocol,
            spec.termination,
            positions,
            spec.sample_task,
        )

    def problems(self) -> list[str]:
        """Everything that keeps this draft from running, in words for the canvas."""
        if not self.agents:
            return ["drag agents from the palette onto the canvas"]
        return (
            name_problems(self.agents)
            + link_problems(self.agents, self.links)
            + protocol_problems(self.protocol, self.agents)
        )

    def to_spec(
        self, source: str = "the canvas", library_tools: Sequence[str] = (), mcp_servers: Sequence[str] = ()
    ) -> TeamSpec:
        """The runnable team; TeamFileError says what is missing or wrong. ``library_tools``:
        the tools saved in the team's library, which its agents may use too; ``mcp_servers``:
        the configured servers, whose ``<server>_<tool>`` tools they may use."""
        problems = self.problems()
        if problems:
            raise TeamFileError(f"{source}: " + "; ".join(problems))
        data = {
            "name": self.name,
            "description": self.description,
            "sample_task": self.sample_task,
            "agents": [a.model_dump() for a in self.agents],
            "links": [link.model_dump() for link in self.links],
            "protocol": self.protocol.model_dump(),
            "termination": self.termination.model_dump(),
            "layout": {n: list(p) for n, p in self.positions},
        }
        return parse_team(data, source, library_tools=library_tools, mcp_servers=mcp_servers)

    # --- edits (each returns a new draft) -----------------------------------------
    def position(self, name: str) -> Point:
        return dict(self.positions).get(name, (0.0, 0.0))

    def agent(self, name: str) -> Agent:
        return next(a for a in self.agents if a.name == name)

    def fresh_name(self, base: str) -> str:
        taken = {a.name for a in self.agents}
        if base not in taken:
            return base
        return next(f"{base} {i}" for i in range(2, len(taken) + 3) if f"{base} {i}" not in taken)

    def with_card(self, role: str, at: Point, model: str = "local") -> TeamDraft:
        """Drop a palette card: a new agent with the role's defaults and a unique name."""
        title, persona = ROLE_CARDS[role]
        agent = Agent(name=self.fresh_name(title), role=role, persona=persona, model=model)
        return self.with_agent(agent, at)

    def with_agent(self, agent: Agent, at: Point) -> TeamDraft:
        return replace(self, agents=self.agents + (agent,), positions=self.positions + ((agent.name, at),))

    def without_agent(self, name: str) -> TeamDraft:
        return replace(
            self,
            agents=tuple(a for a in self.agents if a.name != name),
            links=tuple(link for link in self.links if name not in (link.source, link.target)),
            positions=tuple(p for p in self.positions if p[0] != name),
        )

    def with_agent_changed(self, agent_name: str, /, **changes) -> TeamDraft:
        """Change an agent's fields; a rename follows through its links and position.

        Raises ValueError with the field's problem (e.g. a reserved name)."""
        old = self.agent(agent_name)
        try:
            new = Agent.model_validate({**old.model_dump(), **changes})
        except ValidationError as exc:
            raise ValueError("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
        if new.name != agent_name and new.name in {a.name for a in self.agents}:
            raise ValueError(f"another agent is already called {new.name!r}")
        problem = steering_problem(new)  # refused as it is edited, not only when the team runs
        if problem:
            raise ValueError(f"{problem}: turn its steering off first")
        if new.name != agent_name and new.memory is not None and new.memory.scope == "private":
            new = new.model_copy(update={"memory": new.memory.pinned(agent_name)})  # its memory follows it
        rename = {agent_name: new.name}.get
        return replace(
            self,
            agents=tuple(new if a.name == agent_name else a for a in self.agents),
            links=tuple(
                Link(source=rename(k.source, k.source), target=rename(k.target, k.target), kind=k.kind)
                for k in self.links
            ),
            positions=tuple((rename(n, n), p) for n, p in self.positions),
        )

    def moved(self, name: str, to: Point) -> TeamDraft:
        return replace(self, positions=tuple((n, to if n == name else p) for n, p in self.positions))

    def link_kind(self, source: str) -> LinkKind:
        """A judge's arrow judges; every other arrow speaks."""
        return "judges" if self.agent(source).role == "judge" else "speaks_to"

    def with_link(self, source: str, target: str) -> TeamDraft:
        link = Link(source=source, target=target, kind=self.link_kind(source))
        if source == target or link in self.links:
            return self
        return replace(self, links=self.links + (link,))

    def without_link(self, link: Link) -> TeamDraft:
        return replace(self, links=tuple(k for k in self.links if k != link))

    def with_protocol(self, protocol: Protocol) -> TeamDraft:
        return replace(self, protocol=protocol)

    def with_termination(self, termination: TerminationSpec) -> TeamDraft:
        return replace(self, termination=termination)

    def renamed(self, name: str) -> TeamDraft:
        """The team under a new name; shared memories stay under the old one (they follow the team)."""
        name = name.strip() or self.name
        if name == self.name:
            return self
        agents = tuple(
            a.model_copy(update={"memory": a.memory.pinned(self.name)})
            if a.memory is not None and a.memory.scope == "shared"
            else a
            for a in self.agents
        )
        return replace(self, name=name, agents=agents)


LEADING_ROLES = ("judge", "manager")


def default_layout(agents) -> dict[str, Point]:
    """Judges and managers in a row on top, everyone else in a row beneath, both centred."""
    rows = [
        [a.name for a in agents if a.role in LEADING_ROLES],
        [a.name for a in agents if a.role not in LEADING_ROLES],
    ]
    widest = max(len(r) for r in rows)
    layout = {}
    for y, row in enumerate(r for r in rows if r):
        offset = (widest - len(row)) * 95.0
        layout.update({name: (offset + 190.0 * x, 150.0 * y) for x, name in enumerate(row)})
    return layout


def _point(xy) -> Point:
    x, y = xy
    return (float(x), float(y))
