"""Agent memory: a per-agent SQLite store, scored reads, model-proposed writes, reflection and a
knowledge graph. Every read, write and reflection is a typed event (:mod:`agents.memory.events`).

Modules: ``records`` (the memory record and an agent's memory settings) · ``store`` (SQLite,
schema versions, migrations) · ``bm25`` (lexical relevance, no download) · ``graph`` (entities,
relations, personalised PageRank) · ``read`` (recency + importance + relevance, the prompt
section) · ``write`` (ADD/UPDATE/DELETE/NOOP extraction, tolerant parser, rule-based fallback) ·
``reflect`` (insights citing sources, workflow memories) · ``agent_memory`` (the facade a turn uses).
"""
