"""Tools: records with a time and output limit, built-ins, the sandbox, selection, tools the
agents write, MCP servers, and the two ways a model calls them (native and the text protocol).

Calls and results are events (``agents.tools.events``), so a replayed session shows the recorded
results and never runs a tool again.
"""
