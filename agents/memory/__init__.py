"""Agent memory: a per-agent SQLite store, scored reads, model-proposed writes, reflection and a
knowledge graph. Every read, write and reflection is a typed event (defined in agents.events,
named in :mod:`agents.memory.events`).

Modules: ``records`` (the memory record and an agent's memory settings) · ``store`` and
``schema`` (SQLite, schema versions, migrations) · ``bm25`` (lexical relevance, no download;
shareable with tool selection) · ``embed`` (optional OpenAI-compatible embeddings) · ``graph``
(entities, relations, personalised PageRank) · ``read`` (recency + importance + relevance, the
prompt section) · ``write`` (ADD/UPDATE/DELETE/NOOP extraction, tolerant parser, rule fallback) ·
``reflect`` (insights citing sources, workflow memories) · ``agent_memory`` (one agent's read,
write and reflect) · ``team`` (what a protocol calls around each turn) · ``describe``, ``export``
and ``inspector`` (words for cards and exports, whole-memory exports, the Memory panel's data).
"""
