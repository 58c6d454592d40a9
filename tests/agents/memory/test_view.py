"""The Memory panel's store calls without Qt: edits then the view, in one call; a store that
cannot be used is a StoreFailure in words, and the file is left as it was."""

import sqlite3

from agents.memory.records import Memory
from agents.memory.store import MemoryStore
from agents.memory.view import InspectorSession, PanelView, StoreFailure, ViewRequest, memory_owners


def test_edits_run_in_order_before_the_view_and_a_vanished_memory_is_a_problem(tmp_path):
    path = tmp_path / "m.db"
    with MemoryStore(path) as store:
        kept = store.add(Memory(agent="A", text="Canberra is the capital of Australia."))
        store.add(Memory(agent="B", text="Bob drinks tea."))
    session = InspectorSession(path)
    changes = [lambda s: s.update(kept.id, "user", text="Canberra, in the ACT."), lambda s: s.delete("nope", "user")]
    view = session.answer(changes, ViewRequest("A", page="history"))
    assert isinstance(view, PanelView) and [m.text for m in view.memories] == ["Canberra, in the ACT."]
    assert view.owners == ["A", "B"] and view.total == 1 and view.problems == ["memory 'nope' is gone"]
    assert [row["op"] for row in view.history] == ["UPDATE", "ADD"] and view.graph is None
    searched = session.answer([], ViewRequest("A", search="capital ACT", page="graph"))
    assert [m.id for m in searched.memories] == [kept.id] and "canberra" in searched.graph.nodes
    assert session.answer([], None) is None
    session.close()


def test_a_damaged_or_newer_file_is_said_in_words_and_never_touched(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    failure = InspectorSession(bad).answer([], ViewRequest("A"))
    assert isinstance(failure, StoreFailure) and failure.problem == "corrupt"
    assert "damaged or is not a memory database" in failure.message and bad.read_bytes() == b"x" * 4096
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    failure = InspectorSession(newer).answer([], ViewRequest("A"))
    assert failure.problem == "newer_version" and "newer Agora Lab" in failure.message


def test_a_session_header_names_the_store_keys_of_its_memories():
    team = {
        "name": "crew",
        "agents": [
            {"name": "Ada", "memory": {"enabled": True, "key": "Alice"}},
            {"name": "Bo", "memory": {"enabled": True, "scope": "shared"}},
            {"name": "Cy", "memory": {"enabled": False}},
            {"name": "Di"},
        ],
    }
    assert memory_owners(team) == ["Alice", "team:crew"]
