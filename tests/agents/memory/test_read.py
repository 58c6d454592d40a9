"""Reads: BM25 and the Park et al. score against hand-computed numbers, the budget, the graph."""

import math

import pytest

from agents.bm25 import BM25Index, tokenize
from agents.memory.read import SECTION_TITLE, OwnerIndex, Weights, retrieve, score
from agents.memory.records import Memory
from agents.memory.store import MemoryStore

NOW = 1_800_000_000.0
HOUR = 3600.0


def test_tokenize_drops_stopwords_and_folds_plurals():
    assert tokenize("The Facts of the matter: 24 apples!") == ["fact", "matter", "24", "apple"]


def test_bm25_matches_a_hand_computed_reference():
    index = BM25Index()
    index.add_many([("d1", "apple pie recipe"), ("d2", "apple"), ("d3", "banana bread")])
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # ln 1.6: "apple" is in 2 of 3 documents
    # avgdl = 2; d1 has 3 words, d2 one: norm = k1 * (1 - b + b * dl / avgdl)
    assert index.scores("apple") == pytest.approx({"d1": idf * 2.5 / (1 + 2.0625), "d2": idf * 2.5 / (1 + 0.9375)})
    index.remove("d2")
    assert "d2" not in index and set(index.scores("apple")) == {"d1"}
    assert index.top("banana", 5) == [("d3", pytest.approx(index.scores("banana")["d3"]))]


@pytest.fixture
def store(tmp_path):
    with MemoryStore(tmp_path / "m.db") as opened:
        yield opened


def test_park_score_matches_a_hand_computed_reference(store):
    store.add(Memory(id="d1", agent="A", text="apple pie recipe", importance=8, created=NOW - 10 * HOUR))
    store.add(Memory(id="d2", agent="A", text="apple", importance=2, created=NOW))
    store.add(Memory(id="d3", agent="A", text="banana bread", importance=10, created=NOW))
    ranked = score(OwnerIndex(store, "A"), "apple", NOW, Weights(graph=0.0))
    # d1: recency 0.995^10, importance 0.8, relevance bm25(d1)/bm25(d2) = (2.5/3.0625)/(2.5/1.9375)
    d1 = 0.995**10 + 0.8 + (1.9375 / 3.0625)
    d2 = 1.0 + 0.2 + 1.0
    assert [item.memory_id for item in ranked] == ["d1", "d2"]  # d3 shares no word: never a candidate
    assert ranked[0].score == pytest.approx(d1, abs=1e-5) and ranked[1].score == pytest.approx(d2, abs=1e-5)
    assert ranked[0].recency == pytest.approx(0.995**10, abs=1e-6) and ranked[0].relevance == pytest.approx(
        0.632653, abs=1e-6
    )


def test_retrieve_keeps_to_the_token_budget_and_shows_a_memories_section(store):
    for i in range(20):
        store.add(Memory(agent="A", text=f"Canberra fact number {i}: " + "detail " * 30, created=NOW))
    retrieval = retrieve(OwnerIndex(store, "A"), "canberra fact", k=10, token_budget=200, now=NOW)
    assert retrieval.section.startswith(SECTION_TITLE)
    assert 0 < len(retrieval.items) < 10 and retrieval.dropped_for_budget == 10 - len(retrieval.items)
    assert retrieval.tokens <= 200


def test_a_huge_first_memory_is_cut_to_the_budget_rather_than_skipped(store):
    store.add(Memory(agent="A", text="Canberra " + "word " * 3000))
    retrieval = retrieve(OwnerIndex(store, "A"), "canberra", k=3, token_budget=120, now=NOW)
    assert len(retrieval.items) == 1 and retrieval.tokens <= 120 and "[cut," in retrieval.section


def test_a_read_refreshes_recency_in_the_store(store):
    memory = store.add(Memory(agent="A", text="tea is served at four", created=NOW - 100 * HOUR))
    retrieve(OwnerIndex(store, "A"), "tea", k=3, token_budget=400, now=NOW)
    assert store.get(memory.id).accessed == NOW


def test_the_index_follows_writes_of_this_store_and_of_another_connection(store, tmp_path):
    index = OwnerIndex(store, "A")
    mine = store.add(Memory(agent="A", text="the kettle is blue"))
    assert [i.memory_id for i in score(index, "kettle", NOW)] == [mine.id]
    store.delete(mine.id)
    assert score(index, "kettle", NOW) == []
    with MemoryStore(tmp_path / "m.db") as other:
        theirs = other.add(Memory(agent="A", text="the kettle is red"))
    assert [i.memory_id for i in score(index.fresh(), "kettle", NOW)] == [theirs.id]


def test_graph_expansion_finds_a_memory_linked_only_through_an_entity(store, tmp_path):
    store.add(Memory(id="capital", agent="A", text="Canberra is the capital of Australia.", created=NOW))
    store.add(Memory(id="house", agent="A", text="Parliament House stands in Canberra.", created=NOW))
    query = "Tell me about Australia"
    with_graph = {i.memory_id: i for i in score(OwnerIndex(store, "A"), query, NOW)}
    assert set(with_graph) == {"capital", "house"}
    assert with_graph["house"].relevance == 0.0 and with_graph["house"].graph > 0.0
    assert [i.memory_id for i in score(OwnerIndex(store, "A"), query, NOW, Weights(graph=0.0))] == ["capital"]
    assert "house" not in {
        i.memory_id for i in retrieve(OwnerIndex(store, "A"), query, 5, 400, NOW, use_graph=False).items
    }
    with MemoryStore(tmp_path / "m.db") as reopened:  # the graph is persisted with the store
        assert "house" in {i.memory_id for i in score(OwnerIndex(reopened, "A"), query, NOW)}


def test_embeddings_join_relevance_when_both_sides_have_them(store):
    store.add(Memory(id="near", agent="A", text="alpha", embedding=(1.0, 0.0), created=NOW))
    store.add(Memory(id="far", agent="A", text="alpha", embedding=(0.0, 1.0), created=NOW))
    ranked = score(OwnerIndex(store, "A"), "alpha", NOW, query_embedding=(1.0, 0.1))
    assert ranked[0].memory_id == "near" and ranked[0].relevance > ranked[1].relevance
