"""`agora-lab memory list|show|search|forget|export AGENT`: an agent's memory, headless.

The same store the runs write (the data directory's memory file, or ``--db``). Reading here
never changes recency: a search from the terminal is not the agent recalling.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from agents.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, bounded_int
from agents.memory.export import describe, memory_to_dict, memory_to_markdown, when
from agents.memory.read import OwnerIndex, score
from agents.memory.records import MEMORY_KINDS
from agents.memory.store import STORE_TIMEOUT_S, MemoryStore, MemoryStoreError
from agents.memory.view import explain


def add_parsers(sub: argparse._SubParsersAction) -> None:
    memory = sub.add_parser("memory", help="list, show, search, forget or export an agent's memory")
    actions = memory.add_subparsers(dest="action", required=True)
    listing = _action(actions, "list", "every memory of an agent, oldest first")
    listing.add_argument("--kind", choices=MEMORY_KINDS, default=None)
    listing.add_argument("--json", action="store_true", help="one JSON record a line")
    show = _action(actions, "show", "one memory in full, with its history and what it cites")
    show.add_argument("memory_id", help="the id, or an unambiguous prefix of it")
    search = _action(actions, "search", "the memories a read would retrieve, with their scores")
    search.add_argument("query")
    search.add_argument("-k", type=bounded_int(1, 100), default=10)
    forget = _action(actions, "forget", "delete one memory, or all of them with --all")
    forget.add_argument("memory_id", nargs="?", default=None)
    forget.add_argument("--all", action="store_true")
    export = _action(actions, "export", "the whole memory as JSON or Markdown")
    export.add_argument("--output", "-o", default=None, help="a .json or .md file (default: JSON on stdout)")
    memory.set_defaults(handler=command_memory)


def _action(actions: argparse._SubParsersAction, name: str, help: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help)
    parser.add_argument("agent", help="the agent's name (team:NAME for a team's shared memory)")
    parser.add_argument("--db", default=None, help="the memory file (default: in the data directory)")
    return parser


def command_memory(args: argparse.Namespace) -> int:
    try:
        with MemoryStore(args.db) as store:
            return ACTIONS[args.action](store, args)
    except MemoryStoreError as exc:
        print(f"error: {explain(exc, STORE_TIMEOUT_S)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE


def _list(store: MemoryStore, args: argparse.Namespace) -> int:
    for memory in store.memories(args.agent, kind=args.kind):
        print(memory.model_dump_json(exclude={"embedding"}) if args.json else describe(memory))
    if not args.json:
        print(f"{store.count(args.agent)} memories of {args.agent}", file=sys.stderr)
    return EXIT_OK


def _show(store: MemoryStore, args: argparse.Namespace) -> int:
    memory = store.find(args.agent, args.memory_id)
    print(memory.text)
    print(
        f"\nid {memory.id} · {memory.kind} · importance {memory.importance:g} · {when(memory.created)}"
        f" · last read {when(memory.accessed) or 'never'}"
    )
    if memory.source_session:
        print(f"from session {memory.source_session}, message {memory.source_message}")
    for cited in memory.links:
        try:
            print(f"  cites {describe(store.get(cited))}")
        except KeyError:
            print(f"  cites {cited} (forgotten since)")
    for row in store.history(args.agent):
        if row["memory_id"] == memory.id:
            print(
                f"  {when(row['ts'])} {row['op']:6s} by {row['method']}: {(row['after'] or row['before'] or '')[:80]}"
            )
    return EXIT_OK


def _search(store: MemoryStore, args: argparse.Namespace) -> int:
    ranked = score(OwnerIndex(store, args.agent), args.query, time.time())[: args.k]
    for item in ranked:
        print(
            f"{item.score:6.3f}  rec {item.recency:.2f} imp {item.importance:.2f} rel {item.relevance:.2f}"
            f" graph {item.graph:.2f}  {item.memory_id}  {item.text.splitlines()[0][:80]}"
        )
    if not ranked:
        print(f"no memory of {args.agent} matches", file=sys.stderr)
    return EXIT_OK


def _forget(store: MemoryStore, args: argparse.Namespace) -> int:
    if args.all == (args.memory_id is not None):
        print("error: give one memory id, or --all", file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        print(f"forgot {store.forget_all(args.agent)} memories of {args.agent}", file=sys.stderr)
    else:
        gone = store.delete(store.find(args.agent, args.memory_id).id, method="user")
        print(f"forgot {gone.id}: {gone.text.splitlines()[0][:80]}", file=sys.stderr)
    return EXIT_OK


def _export(store: MemoryStore, args: argparse.Namespace) -> int:
    if args.output is None:
        print(json.dumps(memory_to_dict(store, args.agent), indent=2))
        return EXIT_OK
    path = Path(args.output)
    if path.suffix not in (".json", ".md"):
        print(f"error: {path}: export as .json or .md", file=sys.stderr)
        return EXIT_USAGE
    text = (
        json.dumps(memory_to_dict(store, args.agent), indent=2)
        if path.suffix == ".json"
        else memory_to_markdown(store, args.agent)
    )
    path.write_text(text, encoding="utf-8")
    print(f"exported {path}", file=sys.stderr)
    return EXIT_OK


ACTIONS = {"list": _list, "show": _show, "search": _search, "forget": _forget, "export": _export}
