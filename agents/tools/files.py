"""Two tools over the user's own files: BM25 search over a folder of text/Markdown, and reading
a file from folders the user allowed. Paths are resolved (symlinks too) before any check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from agents.bm25 import BM25Index, words
from agents.tools.base import Tool, ToolError, ToolSpec

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".rst")
MAX_FILE_BYTES = 2_000_000
MAX_FILES = 5000


def allowed_path(path: str, roots: Sequence[Path]) -> Path:
    """The resolved file if it lies inside one of ``roots``; raise ToolError otherwise."""
    if not roots:
        raise ToolError("unavailable", "no folder is allowed for reading; add one in the settings")
    resolved_roots = [Path(r).expanduser().resolve() for r in roots]
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = resolved_roots[0] / candidate
    resolved = candidate.resolve()
    if not any(resolved.is_relative_to(root) for root in resolved_roots):
        raise ToolError(
            "bad_arguments", f"{path} is outside the allowed folders ({', '.join(map(str, resolved_roots))})"
        )
    if not resolved.is_file():
        raise ToolError("bad_arguments", f"{path}: no such file")
    return resolved


def read_file_tool(roots: Sequence[Path], max_chars: int = 20_000) -> Tool:
    async def run(arguments: dict[str, Any]) -> str:
        path = allowed_path(str(arguments["path"]), roots)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ToolError("bad_arguments", f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
        return path.read_text(encoding="utf-8", errors="replace")

    spec = ToolSpec(
        name="read_file",
        description="Read a text file from the folders the user allowed; give a path relative to the first folder.",
        parameters={
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
            "additionalProperties": False,
        },
    )
    return Tool(spec, run, time_limit_s=5.0, output_limit=max_chars)


def _passages(folder: Path) -> list[tuple[str, str]]:
    """(file relative to the folder, paragraph) for every text file, in a stable order."""
    out: list[tuple[str, str]] = []
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
    for path in files[:MAX_FILES]:
        if path.stat().st_size > MAX_FILE_BYTES or not path.resolve().is_relative_to(folder):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for paragraph in text.split("\n\n"):
            if paragraph.strip():
                out.append((str(path.relative_to(folder)), paragraph.strip()))
    return out


class FolderIndex:
    """A BM25 index of a folder's paragraphs, rebuilt when a file changes."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).expanduser().resolve()
        self._stamp: tuple | None = None
        self._passages: list[tuple[str, str]] = []
        self._bm25 = BM25Index(tokenizer=words)

    def _current_stamp(self) -> tuple:
        return tuple(
            sorted((str(p), p.stat().st_mtime_ns) for p in self.folder.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
        )

    def search(self, query: str, k: int = 5) -> list[tuple[str, str, float]]:
        stamp = self._current_stamp()
        if stamp != self._stamp:
            self._passages = _passages(self.folder)
            self._bm25 = BM25Index(tokenizer=words)
            self._bm25.add_many((i, f"{name} {text}") for i, (name, text) in enumerate(self._passages))
            self._stamp = stamp
        return [(*self._passages[cast(int, i)], score) for i, score in self._bm25.top(query, k)]


def search_tool(folder: Path | None, k: int = 5) -> Tool:
    index = FolderIndex(folder) if folder is not None else None

    async def run(arguments: dict[str, Any]) -> str:
        if index is None or not index.folder.is_dir():
            raise ToolError("unavailable", "no search folder is set (or it does not exist); choose one in the settings")
        hits = await asyncio.to_thread(index.search, str(arguments["query"]), int(arguments.get("k", k)))
        if not hits:
            return "no matches"
        return "\n\n".join(f"[{name}] (score {score:.2f})\n{text[:800]}" for name, text, score in hits)

    spec = ToolSpec(
        name="search_files",
        description="Search the user's folder of notes (text and Markdown files) and return the best-matching paragraphs.",
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string"}, "k": {"type": "integer", "minimum": 1, "maximum": 20}},
            "required": ["query"],
            "additionalProperties": False,
        },
    )
    return Tool(spec, run, time_limit_s=15.0)
