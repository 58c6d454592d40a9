"""Team files: a versioned JSON description of agents, protocol and termination.

Validation errors name the file, the field and the problem. Version 0 files (the
pre-release format: "members", "system_prompt", a protocol given as a bare string) load
through a migration.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from agents.agent import Agent
from agents.events import Record
from agents.llm.base import ProviderError
from agents.llm.refs import check_model_ref, shown
from agents.tools.authored import library_tool_names
from agents.tools.builtins import BUILTIN_NAMES, MAKE_TOOL, classify_tool_names

TEAM_FILE_VERSION = 1
# The tools any agent may be given; beyond them: ask_<member>, the team library's tools and
# configured MCP servers' tools ("<server>_<tool>"), see agents.tools.builtins.
KNOWN_TOOLS = (*BUILTIN_NAMES, MAKE_TOOL)
TEMPLATE_PACKAGE = "assets.teams"
# A team file is a few kilobytes; these bound what a hostile one can make us do.
MAX_TEAM_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
MAX_DIGITS = 40  # longer numbers become a value no field accepts (the field then says so)
MAX_PROBLEM_CHARS = 300


class TeamFileError(ValueError):
    """A team file that cannot run; the message says file, field and problem."""


class DebateProtocol(Record):
    kind: Literal["debate"] = "debate"
    turn_order: Literal["sequential", "simultaneous"] = "sequential"
    aggregate: Literal["judge", "majority_vote"] = "judge"
    max_rounds: int = Field(default=3, ge=1, le=50)
    stop_on_consensus: bool = True


class RoundRobinProtocol(Record):
    kind: Literal["round_robin"] = "round_robin"
    max_rounds: int = Field(default=3, ge=1, le=100)


class SelectorProtocol(Record):
    kind: Literal["selector"] = "selector"
    max_turns: int = Field(default=8, ge=1, le=200)


class ManagerWorkersProtocol(Record):
    kind: Literal["manager_workers"] = "manager_workers"
    max_delegations: int = Field(default=4, ge=1, le=50)


Protocol = Annotated[
    DebateProtocol | RoundRobinProtocol | SelectorProtocol | ManagerWorkersProtocol,
    Field(discriminator="kind"),
]


class TerminationSpec(Record):
    """Conditions that end a run; any one that fires stops it (see agents.termination)."""

    max_messages: int | None = Field(default=None, ge=1)
    text_mention: str | None = Field(default=None, min_length=1)
    token_budget: int | None = Field(default=None, ge=1)
    timeout_s: float | None = Field(default=None, gt=0)
    consensus: bool = False


LinkKind = Literal["speaks_to", "judges"]


class Link(Record):
    """An arrow on the team canvas: ``source`` speaks to, or judges, ``target``.

    Without any ``speaks_to`` links everyone hears everyone; with them, an agent hears
    itself, the agents that speak to it and the agents it judges (agents.teams.context).
    """

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    kind: LinkKind = "speaks_to"


class TeamSpec(Record):
    version: int = TEAM_FILE_VERSION
    name: str = Field(min_length=1)
    description: str = ""
    agents: tuple[Agent, ...] = Field(min_length=1)
    protocol: Protocol
    termination: TerminationSpec = TerminationSpec()
    links: tuple[Link, ...] = ()
    # Where each agent sits on the builder's canvas; no effect on a run.
    layout: dict[str, tuple[float, float]] = Field(default_factory=dict)
    sample_task: str = ""

    @model_validator(mode="after")
    def _semantics(self) -> TeamSpec:
        for problem in name_problems(self.agents):
            raise ValueError(problem)
        problems = link_problems(self.agents, self.links) + protocol_problems(self.protocol, self.agents)
        if problems:
            raise ValueError("; ".join(problems))  # all of them: a user fixes a file in one go
        return self

    def by_role(self, role: str) -> list[Agent]:
        return [a for a in self.agents if a.role == role]

    def heard_by(self, name: str) -> frozenset[str] | None:
        """Whose turns ``name`` hears; None means everyone's (the team has no speaks_to links)."""
        if not any(link.kind == "speaks_to" for link in self.links):
            return None
        heard = {name}
        for link in self.links:
            if link.target == name and link.kind == "speaks_to":
                heard.add(link.source)
            if link.source == name and link.kind == "judges":
                heard.add(link.target)
        return frozenset(heard)


def name_problems(agents: Sequence[Agent]) -> list[str]:
    """Agent names are speaker labels and link ends, so each must be unique."""
    names = [a.name for a in agents]
    repeated = sorted({n for n in names if names.count(n) > 1})
    return [f"agent names must be unique; repeated: {repeated}"] if repeated else []


def link_problems(agents: Sequence[Agent], links: Sequence[Link]) -> list[str]:
    """Links must join two different, existing agents; only a judge judges."""
    roles = {a.name: a.role for a in agents}
    problems = []
    for link in links:
        missing = [n for n in (link.source, link.target) if n not in roles]
        if missing:
            problems.append(f"a link names no agent of this team: {shown(missing[0])}")
        elif link.source == link.target:
            problems.append(f"{link.source} cannot be linked to itself")
        elif link.kind == "judges" and roles[link.source] != "judge":
            problems.append(f"{link.source} judges {link.target} but its role is {roles[link.source]!r}, not 'judge'")
    if len(set(links)) != len(links):
        problems.append("the same link appears twice")
    return problems


def protocol_problems(protocol: Protocol, agents: Sequence[Agent]) -> list[str]:
    """What the protocol needs that the team lacks (also used for live canvas validation)."""
    p, problems = protocol, []
    roles = [a.role for a in agents]
    if p.kind == "debate":
        if roles.count("debater") < 2:
            problems.append(f"a debate needs two or more agents with role 'debater' (has {roles.count('debater')})")
        if p.aggregate == "judge" and roles.count("judge") != 1:
            problems.append(
                f"a debate refereed by a judge needs exactly one agent with role 'judge' (has {roles.count('judge')})"
            )
    elif p.kind == "manager_workers":
        if roles.count("manager") != 1:
            problems.append(f"manager and workers needs exactly one 'manager' (has {roles.count('manager')})")
        if roles.count("worker") < 1:
            problems.append("manager and workers needs at least one 'worker'")
    elif len(agents) < 2 and all(r != "human" for r in roles):
        problems.append(f"a {p.kind.replace('_', '-')} team needs at least two agents")
    if p.kind == "selector" and all(r == "human" for r in roles):
        problems.append("a selector team needs at least one agent with a model (not 'human') to pick who speaks next")
    return problems


def migrate(data: Any) -> Any:
    """Bring an older team file up to the current version (validation reports the rest)."""
    if not isinstance(data, dict) or data.get("version", 0) != 0:
        return data
    data = dict(data)
    members = data.pop("members", data.get("agents", []))
    if isinstance(members, list):
        data["agents"] = [
            {("persona" if k == "system_prompt" else k): v for k, v in m.items()} if isinstance(m, dict) else m
            for m in members
        ]
    if isinstance(data.get("protocol"), str):
        data["protocol"] = {"kind": data["protocol"]}
    data["version"] = TEAM_FILE_VERSION
    return data


def parse_team(
    data: Any,
    source: str = "<team>",
    check_models: bool = True,
    library_tools: Sequence[str] = (),
    mcp_servers: Sequence[str] = (),
) -> TeamSpec:
    """Validate team data; raise TeamFileError naming source, field and problem."""
    """Validate team data; raise TeamFileError naming source, field and problem.

    Types are strict, as JSON spells them: ``true`` is not a number and ``"0.5"`` is not a
    temperature. Every value echoed in a message is cut short."""
    if not isinstance(data, dict):
        raise TeamFileError(f"{source}: a team file must be a JSON object, not {type(data).__name__}")
    problem = data_problem(data)
    if problem:
        raise TeamFileError(f"{source}: {problem}")
    version = data.get("version", TEAM_FILE_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise TeamFileError(
            f"{source}: version: must be an integer, 0 or more (this Agora Lab writes {TEAM_FILE_VERSION})"
        )
    if version > TEAM_FILE_VERSION:
        raise TeamFileError(
            f"{source}: version {shown(version)} is newer than this Agora Lab understands ({TEAM_FILE_VERSION})"
        )
    try:
        spec = TeamSpec.model_validate_json(json.dumps(migrate(data)), strict=True)
    except ValidationError as exc:
        problems = "; ".join(
            _capped(f"{_where(e['loc'], data)}: {e['msg'].removeprefix('Value error, ')}") for e in exc.errors()[:10]
        )
        raise TeamFileError(f"{source}: {problems}") from None
    members = [a.name for a in spec.agents]
    for index, agent in enumerate(spec.agents):
        known, unknown = classify_tool_names(agent.tools, members, library_tools, mcp_servers)
        if unknown:
            raise TeamFileError(
                f"{source}: agents[{index}].tools: unknown tool(s) {shown(unknown)}; known: {shown(known)}; "
                f"any agent may have {list(KNOWN_TOOLS)}, ask_<member>, the team library's tools and MCP servers' tools"
            )
        if check_models:
            try:
                check_model_ref(agent.model)
            except ProviderError as exc:
                raise TeamFileError(f"{source}: agents[{index}].model: {exc.message}") from None
        problem = steering_problem(agent)
        if problem:
            raise TeamFileError(f"{source}: agents[{index}].steering: {problem}")
    return spec


def is_local_ref(ref: str) -> bool:
    return ref.strip() == "local" or ref.strip().startswith("local:")


def steering_problem(agent: Agent) -> str | None:
    """Why ``agent`` cannot be steered as it stands (team files and the builder both ask this)."""
    if agent.steering is None or is_local_ref(agent.model):
        return None
    return (
        f"steering needs a local model (its residual stream is changed while it generates); "
        f"{agent.name} uses {shown(agent.model)}"
    )


def data_problem(data: Any) -> str | None:
    """What no field may hold, wherever it is: nesting deeper than MAX_DEPTH (a recursion
    bomb) or a lone surrogate (valid JSON, invalid text: the session could not be written)."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            return f"{_where(loc[:MAX_DEPTH], data)}: nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((v, loc + (str(k),)) for k, v in value.items())
            stack.extend((k, loc + (str(k)[:40],)) for k in value if isinstance(k, str))
        elif isinstance(value, (list, tuple)):
            stack.extend((v, loc + (str(i),)) for i, v in enumerate(value))
        elif isinstance(value, str) and _has_surrogate(value):
            return f"{_where(loc, data)}: contains a lone surrogate (\\ud800-\\udfff), which is not valid text"
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _capped(problem: str) -> str:
    return problem if len(problem) <= MAX_PROBLEM_CHARS else f"{problem[: MAX_PROBLEM_CHARS - 1]}…"


def _where(loc: tuple, data: Any) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.endswith("Protocol"))]
    if not parts:
        return "(team)"
    text = parts[0]
    for part in parts[1:]:
        text += f"[{part}]" if part.isdigit() else f".{part}"
    return text


def load_team(path: str | Path, check_models: bool = True, mcp_servers: Sequence[str] = ()) -> TeamSpec:
    """Read and validate a team file (a UTF-8 byte-order mark is fine; over 4 MB is not); the
    tools in the library beside it are known tools."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TEAM_FILE_BYTES + 1)  # /dev/zero or a 2 GB file: never all of it
        if len(raw) > MAX_TEAM_FILE_BYTES:
            raise TeamFileError(
                f"{path}: larger than {MAX_TEAM_FILE_BYTES // 2**20} MB; a team file is a few kilobytes"
            )
        data = json.loads(raw.decode("utf-8-sig"), parse_int=_bounded_int, parse_float=_bounded_float)
    except FileNotFoundError:
        raise TeamFileError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise TeamFileError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise TeamFileError(f"{path}: nested too deeply (a team file needs at most {MAX_DEPTH} levels)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TeamFileError(f"{path}: cannot read: {_capped(str(exc))}") from None
    return parse_team(data, str(path), check_models, library_tool_names(path), mcp_servers)


def _bounded_int(digits: str) -> int:
    # Python refuses to convert over 4300 digits with a message naming no field; a number
    # this long is out of every field's range, so the field's own check reports it.
    if len(digits.lstrip("-")) <= MAX_DIGITS:
        return int(digits)
    return -(10**MAX_DIGITS) if digits.startswith("-") else 10**MAX_DIGITS


def _bounded_float(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else math.copysign(1e308, value)


def save_team(spec: TeamSpec, path: str | Path) -> None:
    Path(path).write_text(spec.model_dump_json(indent=2), encoding="utf-8")


def team_json_schema() -> dict:
    return TeamSpec.model_json_schema()


def template_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".json") for p in resources.files(TEMPLATE_PACKAGE).iterdir() if p.name.endswith(".json")
    )


def load_template(name: str) -> TeamSpec:
    resource = resources.files(TEMPLATE_PACKAGE) / f"{name}.json"
    if not resource.is_file():
        raise TeamFileError(f"no template named {name!r}; templates: {template_names()}")
    return parse_team(json.loads(resource.read_text(encoding="utf-8")), f"template {name}")
