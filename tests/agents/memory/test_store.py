"""The SQLite store: round trips, two writers at once, migrations, and files it must not touch."""

import hashlib
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from agents.memory.records import MAX_TEXT_CHARS, Memory
from agents.memory.schema import MIGRATIONS, SCHEMA_VERSION
from agents.memory.store import MemoryStore, MemoryStoreError


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_add_update_delete_round_trip_with_history(tmp_path):
    with MemoryStore(tmp_path / "m.db") as store:
        added = store.add(Memory(agent="A", text="Canberra is the capital of Australia.", importance=7, tags=("geo",)))
        assert store.get(added.id) == added
        before, after = store.update(added.id, text="Canberra is Australia's capital city.", importance=8)
        assert before.text.startswith("Canberra is the") and after.importance == 8
        gone = store.delete(added.id)
        assert gone.text == after.text and store.count("A") == 0
        assert [row["op"] for row in store.history("A")] == ["ADD", "UPDATE", "DELETE"]
        assert store.writes_since_reflection("A") == 2  # deletions do not call for reflection


def test_a_huge_memory_is_cut_visibly_not_refused(tmp_path):
    with MemoryStore(tmp_path / "m.db") as store:
        memory = store.add(Memory(agent="A", text="x" * 1_000_000))
        assert len(memory.text) <= MAX_TEXT_CHARS and "[cut, 1000000 chars]" in memory.text


def test_two_connections_see_each_others_writes(tmp_path):
    one, two = MemoryStore(tmp_path / "m.db"), MemoryStore(tmp_path / "m.db")
    version = one.data_version()
    two.add(Memory(agent="A", text="written by the second run"))
    assert one.data_version() != version  # the read caches reload on this
    assert [m.text for m in one.memories("A")] == ["written by the second run"]
    one.close(), two.close()


WRITER = textwrap.dedent("""
    import sys
    from agents.memory.records import Memory
    from agents.memory.store import MemoryStore
    store = MemoryStore(sys.argv[1], timeout_s=60)
    for i in range(int(sys.argv[3])):
        store.add(Memory(agent="Shared", text=f"{sys.argv[2]} note {i} about Canberra"))
        print(f"committed {i + 1}", flush=True)
""")


def test_two_processes_writing_the_same_agent_lose_nothing(tmp_path):
    path = tmp_path / "m.db"
    MemoryStore(path).close()  # created and migrated once, so the writers race only on writes
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "150"], stdout=subprocess.PIPE, text=True)
        for name in ("left", "right")
    ]
    for writer in writers:
        writer.communicate(timeout=300)
        assert writer.returncode == 0
    with MemoryStore(path) as store:
        texts = [m.text for m in store.memories("Shared")]
        assert len(texts) == 300 and len(set(texts)) == 300
        assert store.writes_since_reflection("Shared") == 300  # the counter is not torn either
        mentions, _relations = store.graph_rows("Shared")
        assert sum(entity == "canberra" for _, entity in mentions) == 300


def test_kill_9_during_writes_keeps_every_committed_write(tmp_path):
    path = tmp_path / "m.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "killed", "100000"], stdout=subprocess.PIPE, text=True
    )
    committed = 0
    assert writer.stdout is not None
    while committed < 40:
        committed = int(writer.stdout.readline().split()[1])
    writer.kill()
    writer.wait(timeout=60)
    with MemoryStore(path) as store:
        assert store.count("Shared") >= committed
        store.add(Memory(agent="Shared", text="the store still writes after the kill"))


def test_an_old_file_is_migrated_and_keeps_its_memories(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    MIGRATIONS[0](db)
    db.execute(
        "INSERT INTO memories (id, agent, text, kind, importance, created) VALUES ('m1', 'A', 'Alice met Bob in Paris.', 'fact', 6, 1.0)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit(), db.close()
    with MemoryStore(path) as store:
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [m.text for m in store.memories("A")] == ["Alice met Bob in Paris."]
        mentions, relations = store.graph_rows("A")
        assert {entity for _, entity in mentions} == {"alice", "bob", "paris"}  # the graph was backfilled
        assert relations


def test_a_newer_file_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "newer.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit(), db.close()
    before = digest(path)
    with pytest.raises(MemoryStoreError) as error:
        MemoryStore(path)
    assert error.value.problem == "newer_version" and "newer Agora Lab" in str(error.value)
    assert digest(path) == before


def test_a_file_that_is_not_a_database_is_refused_and_never_overwritten(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not sqlite at all\n" * 200)
    before = digest(path)
    with pytest.raises(MemoryStoreError) as error:
        MemoryStore(path)
    assert error.value.problem == "corrupt" and str(path) in str(error.value)
    assert digest(path) == before


def test_a_damaged_database_gives_a_clear_error_and_is_not_rewritten(tmp_path):
    path = tmp_path / "damaged.db"
    with MemoryStore(path) as store:
        for i in range(300):
            store.add(Memory(agent="A", text=f"memory number {i} " + "padding " * 40))
    data = bytearray(path.read_bytes())
    data[4096 * 2 :] = b"\xff" * (len(data) - 4096 * 2)  # keep the header, wreck the pages
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(MemoryStoreError) as error:
        with MemoryStore(path) as store:
            store.memories("A")
    assert error.value.problem == "corrupt"
    assert digest(path) == before


def test_a_locked_store_says_so(tmp_path):
    path = tmp_path / "m.db"
    MemoryStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run mid-write, holding the write lock
    try:
        with MemoryStore(path, timeout_s=0.05) as store, pytest.raises(MemoryStoreError) as error:
            store.add(Memory(agent="A", text="cannot be written yet"))
        assert error.value.problem == "locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_renamed_agent_keeps_its_memory_and_a_merge_is_refused(tmp_path):
    with MemoryStore(tmp_path / "m.db") as store:
        store.add(Memory(agent="Alice", text="Alice prefers Python."))
        store.add(Memory(agent="Bob", text="Bob prefers Rust."))
        assert store.rename_agent("Alice", "Alicia") == 1
        assert [m.agent for m in store.memories("Alicia")] == ["Alicia"] and store.count("Alice") == 0
        assert store.graph_rows("Alicia")[0]
        with pytest.raises(ValueError):
            store.rename_agent("Alicia", "Bob")


def test_one_store_shared_by_reader_threads_and_a_writer(tmp_path):
    """Simultaneous turns: reads go to threads while writes happen on the loop's thread."""
    from concurrent.futures import ThreadPoolExecutor

    from agents.memory.read import OwnerIndex, retrieve

    with MemoryStore(tmp_path / "m.db") as store:
        index = OwnerIndex(store, "A")

        def reads() -> int:
            return sum(len(retrieve(index, "Canberra note", 3, 400, 1e9).items) >= 0 for _ in range(40))

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(reads) for _ in range(4)]
            for i in range(120):
                store.add(Memory(agent="A", text=f"Canberra note {i}"))
            assert [f.result() for f in futures] == [40] * 4
        assert store.count("A") == 120 and len(index.fresh().memories) == 120
