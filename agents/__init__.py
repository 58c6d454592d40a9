"""Agora Lab domain: agents, providers, events. Pure Python; never imports Qt."""

__version__ = "0.1.0"
