"""`agora-lab memory ...`: the same store, headless; errors are one line and an exit code."""

import json
from types import SimpleNamespace

import pytest

from agents.cli.commands import main
from agents.memory.records import Memory
from agents.memory.store import MemoryStore


@pytest.fixture
def cli(capsys):
    """In-process (the exit-code mapping is main()'s, as in a subprocess), without a start-up each."""

    def run(*args):
        code = main(["memory", *args])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_list_search_show_export_forget(cli, tmp_path):
    db = str(tmp_path / "m.db")
    with MemoryStore(db) as store:
        kept = store.add(Memory(agent="Alice", text="Canberra is the capital of Australia.", kind="fact", importance=7))
        store.add(Memory(agent="Alice", text="Bob prefers tea.", importance=2))
    listed = cli("list", "Alice", "--db", db)
    assert listed.returncode == 0 and kept.id in listed.stdout and "2 memories of Alice" in listed.stderr
    found = cli("search", "Alice", "capital of Australia", "--db", db)
    assert found.returncode == 0 and found.stdout.splitlines()[0].endswith("Canberra is the capital of Australia.")
    shown = cli("show", "Alice", kept.id[:6], "--db", db)
    assert shown.returncode == 0 and "importance 7" in shown.stdout and "ADD" in shown.stdout
    exported = cli("export", "Alice", "--db", db)
    assert json.loads(exported.stdout)["memories"][0]["text"] == kept.text
    markdown = tmp_path / "alice.md"
    assert cli("export", "Alice", "-o", str(markdown), "--db", db).returncode == 0
    assert "## Fact (1)" in markdown.read_text()
    assert cli("forget", "Alice", kept.id, "--db", db).returncode == 0
    assert cli("forget", "Alice", "--all", "--db", db).returncode == 0
    with MemoryStore(db) as store:
        assert store.count("Alice") == 0
        with_search_unchanged = store.history("Alice")
    assert [row["op"] for row in with_search_unchanged][-2:] == ["DELETE", "DELETE"]


def test_unknown_ids_and_bad_usage_exit_2(cli, tmp_path):
    db = str(tmp_path / "m.db")
    assert cli("show", "Alice", "nope", "--db", db).returncode == 2
    both = cli("forget", "Alice", "abc", "--all", "--db", db)
    assert both.returncode == 2 and "one memory id, or --all" in both.stderr


def test_a_corrupt_store_is_one_clear_line_exit_1_and_untouched(cli, tmp_path):
    db = tmp_path / "m.db"
    db.write_bytes(b"garbage" * 1000)
    result = cli("list", "Alice", "--db", str(db))
    assert result.returncode == 1 and str(db) in result.stderr and "Traceback" not in result.stderr
    assert db.read_bytes() == b"garbage" * 1000
