"""The Memory panel's data: reflection trees, the laid-out graph, an entity's memories."""

import numpy as np

from agents.memory.graph import MemoryGraph
from agents.memory.inspector import diffs, entity_memories, layout, reflection_trees
from agents.memory.records import Memory
from agents.memory.store import MemoryStore


def test_reflection_trees_graph_layout_and_entity_memories(tmp_path):
    with MemoryStore(tmp_path / "m.db") as store:
        a = store.add(Memory(agent="A", text="Alice checked the sums twice."))
        b = store.add(Memory(agent="A", text="Alice and Bob agreed on Canberra."))
        gone = store.add(Memory(agent="A", text="Bob guessed Sydney."))
        insight = store.add(
            Memory(agent="A", text="Checking twice pays off.", kind="reflection", links=(a.id, b.id, gone.id)),
            "reflection",
        )
        store.add(
            Memory(agent="A", text="A reflection can build on a reflection.", kind="reflection", links=(insight.id,)),
            "reflection",
        )
        store.delete(gone.id)
        trees = reflection_trees(store, "A")
        assert [t.memory.id for t in trees[0].cites] == [a.id, b.id] and trees[0].missing == [gone.id]
        assert trees[1].cites[0].memory.id == insight.id and len(trees[1].cites[0].cites) == 2
        graph = MemoryGraph.build(*store.graph_rows("A"))
        drawn = layout(graph)
        assert set(drawn.nodes) == {"alice", "bob", "canberra"} and drawn.positions.shape == (3, 2)
        assert np.abs(drawn.positions).max() <= 1.0 and drawn.edges
        assert np.array_equal(drawn.positions, layout(graph).positions)  # seeded: the same drawing every time
        assert [m.id for m in entity_memories(store, graph, "A", "Alice")] == [a.id, b.id]
        assert diffs(store, "A")[0]["op"] == "DELETE"
