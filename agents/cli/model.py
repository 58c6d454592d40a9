"""`agora-lab ask` and `agora-lab chat`: one model, streamed in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys

from agents.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_json_option,
    add_model_option,
    add_seed_option,
)
from agents.cli.output import EventPrinter
from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, Provider
from agents.llm.providers import open_provider
from agents.settings import load_settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help="stream one answer from a model")
    ask.add_argument("prompt", help="the question or instruction")
    _add_generation_options(ask)
    ask.set_defaults(handler=command_ask)
    chat = sub.add_parser("chat", help="talk with a model in the terminal")
    _add_generation_options(chat)
    chat.set_defaults(handler=command_chat)


def _add_generation_options(parser: argparse.ArgumentParser) -> None:
    add_model_option(parser, "model reference (default: settings, else 'local')")
    parser.add_argument("--system", default="", help="system prompt / persona")
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.7)
    add_seed_option(parser)
    parser.add_argument("--stop", action="append", default=[], help="stop sequence (repeatable)")
    parser.add_argument("--speaker", default="Assistant", help="the answering agent's name")
    add_json_option(parser)


async def _open(args: argparse.Namespace, printer: EventPrinter) -> Provider:
    settings = load_settings()
    return await open_provider(args.model or settings.default_model, settings, printer.show)


def _request(args: argparse.Namespace, messages: list[ChatMessage]) -> CompletionRequest:
    params = GenerationParams(
        max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed, stop=tuple(args.stop)
    )
    history = ([ChatMessage(role="system", content=args.system)] if args.system else []) + messages
    return CompletionRequest(messages=tuple(history), params=params, speaker=args.speaker)


async def command_ask(args: argparse.Namespace) -> int:
    if not args.prompt.strip():
        print("error: the prompt is empty", file=sys.stderr)
        return EXIT_USAGE
    printer = EventPrinter(json_lines=args.json)
    provider = await _open(args, printer)
    try:
        failed = False
        async for event in provider.stream(_request(args, [ChatMessage(role="user", content=args.prompt)])):
            printer.show(event)
            failed = failed or isinstance(event, ErrorEvent)
        return EXIT_FAILED if failed else EXIT_OK
    finally:
        await provider.aclose()


async def command_chat(args: argparse.Namespace) -> int:
    printer = EventPrinter(json_lines=args.json)
    provider = await _open(args, printer)
    history: list[ChatMessage] = []
    print(f"Chatting with {provider.identity.name}. An empty line or Ctrl-D ends.", file=sys.stderr)
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "You: ")
            except EOFError:
                return EXIT_OK
            if not line.strip():
                return EXIT_OK
            history.append(ChatMessage(role="user", content=line))
            async for event in provider.stream(_request(args, history)):
                printer.show(event)
                if isinstance(event, MessageCompleted) and event.text:
                    history.append(ChatMessage(role="assistant", content=event.text, name=args.speaker))
    finally:
        await provider.aclose()
