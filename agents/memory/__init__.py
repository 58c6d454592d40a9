"""Agent memory: a per-agent SQLite store, scored reads, model-proposed writes, reflection and a
knowledge graph. Every read, write and reflection is a typed event (defined in agents.events,
named in :mod:`agents.memory.events`).

Modules: ``records`` (the memory record and an agent's memory settings) · ``store`` and
``schema`` (SQLite, schema versions, migrations) · relevance by :mod:`agents.bm25` (no download;
shared with tool selection) · ``embed`` (optional OpenAI-compatible embeddings) · ``graph``
(entities, relations, personalised PageRank) · ``read`` (recency + importance + relevance, the
prompt section) · ``write`` (ADD/UPDATE/DELETE/NOOP extraction, tolerant parser, rule fallback) ·
``reflect`` (insights citing sources, workflow memories and their steps) · ``agent_memory`` (one
agent's read, write, reflect and workflow recall) · ``team`` (what a protocol calls around each
turn, and what a planner recalls and keeps) · ``describe``, ``export`` and ``inspector`` (words for
cards and exports, whole-memory exports, the Memory panel's data) · ``view`` (the panel's store
calls, made off the GUI thread, and store problems in words).
"""
