"""Shared pieces of the tools tests."""

import asyncio

import keyring
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from agents.tools.base import Tool, ToolSpec


def waiting_pair() -> list[Tool]:
    """Tools "a" and "b", each returning only once the other has started: run one after the
    other they would never finish, so finishing proves they ran concurrently."""
    started = {"a": asyncio.Event(), "b": asyncio.Event()}

    def waiting(me: str, other: str) -> Tool:
        async def run(args):
            started[me].set()
            await started[other].wait()
            return me

        return Tool(ToolSpec(name=me, description=me), run, time_limit_s=30)

    return [waiting("a", "b"), waiting("b", "a")]


class MemoryKeyring(KeyringBackend):
    """A keyring backend in a dict, for tests: CI machines have no OS keyring. Never viable, so
    keyring's own discovery never picks it for a test that did not ask for it."""

    @properties.classproperty
    def priority(cls):
        raise RuntimeError("a test backend, used only where a test sets it")

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def use_keyring(backend):
    """Make ``backend`` keyring's backend until the generator is closed (a fixture's body)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
