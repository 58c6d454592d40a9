"""The HTTP library under the openai client, whichever it is.

openai 3 transports over ``httpx2``, earlier releases over ``httpx``; timeouts handed to the
client and transport errors escaping a stream must come from the library the client really
uses, or they are ignored (a foreign Timeout) or not caught (a foreign exception class).
"""

from __future__ import annotations

import importlib
from typing import Any

import openai

http: Any = importlib.import_module(openai.DefaultAsyncHttpxClient.__mro__[1].__module__.split(".")[0])
