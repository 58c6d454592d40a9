"""Report charts as PNG files with numpy and zlib alone.

Why not a plotting library: the domain never imports Qt (so pyqtgraph's exporter is out for
the headless ``experiment report``), and matplotlib or Pillow would be a large dependency for
four bar and line charts. This is a raster canvas, a 5x7 bitmap font and a PNG encoder.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_GLYPHS = {  # rows top to bottom, bit 4 is the leftmost pixel
    "0": "0E 11 13 15 19 11 0E",
    "1": "04 0C 04 04 04 04 0E",
    "2": "0E 11 01 02 04 08 1F",
    "3": "1F 02 04 02 01 11 0E",
    "4": "02 06 0A 12 1F 02 02",
    "5": "1F 10 1E 01 01 11 0E",
    "6": "06 08 10 1E 11 11 0E",
    "7": "1F 01 02 04 08 08 08",
    "8": "0E 11 11 0E 11 11 0E",
    "9": "0E 11 11 0F 01 02 0C",
    "A": "0E 11 11 1F 11 11 11",
    "B": "1E 11 11 1E 11 11 1E",
    "C": "0E 11 10 10 10 11 0E",
    "D": "1C 12 11 11 11 12 1C",
    "E": "1F 10 10 1E 10 10 1F",
    "F": "1F 10 10 1E 10 10 10",
    "G": "0E 11 10 17 11 11 0F",
    "H": "11 11 11 1F 11 11 11",
    "I": "0E 04 04 04 04 04 0E",
    "J": "07 02 02 02 02 12 0C",
    "K": "11 12 14 18 14 12 11",
    "L": "10 10 10 10 10 10 1F",
    "M": "11 1B 15 15 11 11 11",
    "N": "11 11 19 15 13 11 11",
    "O": "0E 11 11 11 11 11 0E",
    "P": "1E 11 11 1E 10 10 10",
    "Q": "0E 11 11 11 15 12 0D",
    "R": "1E 11 11 1E 14 12 11",
    "S": "0F 10 10 0E 01 01 1E",
    "T": "1F 04 04 04 04 04 04",
    "U": "11 11 11 11 11 11 0E",
    "V": "11 11 11 11 11 0A 04",
    "W": "11 11 11 15 15 15 0A",
    "X": "11 11 0A 04 0A 11 11",
    "Y": "11 11 11 0A 04 04 04",
    "Z": "1F 01 02 04 08 10 1F",
    " ": "00 00 00 00 00 00 00",
    ".": "00 00 00 00 00 0C 0C",
    ",": "00 00 00 00 0C 04 08",
    "-": "00 00 00 1F 00 00 00",
    "+": "00 04 04 1F 04 04 00",
    "%": "18 19 02 04 08 13 03",
    "/": "00 01 02 04 08 10 00",
    "(": "02 04 08 08 08 04 02",
    ")": "08 04 02 02 02 04 08",
    ":": "00 0C 0C 00 0C 0C 00",
    "@": "0E 11 01 0D 15 15 0E",
    "=": "00 00 1F 00 1F 00 00",
    "_": "00 00 00 00 00 00 1F",
    ">": "08 04 02 01 02 04 08",
    "<": "02 04 08 10 08 04 02",
    "?": "0E 11 01 02 04 00 04",
}
FONT = {ch: [int(b, 16) for b in rows.split()] for ch, rows in _GLYPHS.items()}
PALETTE = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (23, 190, 207),
]
INK, GRID, PAPER = (30, 30, 30), (215, 215, 215), (255, 255, 255)


class Canvas:
    def __init__(self, width: int, height: int):
        self.pixels = np.full((height, width, 3), PAPER, dtype=np.uint8)
        self.width, self.height = width, height

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: Sequence[int]) -> None:
        # Snap the corner and keep the size: rounding both ends (half to even) made the dots
        # of a glyph, and two-pixel lines, one, two or three pixels wide by their position.
        a, c = math.floor(min(x0, x1) + 0.5), math.floor(min(y0, y1) + 0.5)
        b, d = a + round(abs(x1 - x0)), c + round(abs(y1 - y0))
        self.pixels[max(0, c) : min(self.height, d + 1), max(0, a) : min(self.width, b + 1)] = colour

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: Sequence[int], width: int = 1) -> None:
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for t in np.linspace(0.0, 1.0, steps):
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            self.rect(x - width // 2, y - width // 2, x + (width - 1) // 2, y + (width - 1) // 2, colour)

    def text(
        self, x: float, y: float, text: str, colour: Sequence[int] = INK, scale: int = 2, anchor: str = "left"
    ) -> None:
        width = text_width(text, scale)
        x = x - width if anchor == "right" else x - width / 2 if anchor == "centre" else x
        for index, ch in enumerate(text):
            rows = FONT.get(ch.upper(), FONT["?"])
            for r, bits in enumerate(rows):
                for c in range(5):
                    if bits & (0x10 >> c):
                        px, py = x + (index * 6 + c) * scale, y + r * scale
                        self.rect(px, py, px + scale - 1, py + scale - 1, colour)

    def save(self, path: Path) -> None:
        write_png(path, self.pixels)


def text_width(text: str, scale: int = 2) -> int:
    return max(0, len(text) * 6 - 1) * scale


def write_png(path: Path, pixels: np.ndarray) -> None:
    """An 8-bit RGB PNG: each row prefixed with filter 0, one zlib stream, CRC'd chunks."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    )


class Plot:
    """Axes with a title, a y range and tick labels; subclasses' draw calls map data to pixels."""

    def __init__(self, title: str, ymax: float, ylabel_fmt: str = "{:.0%}", width: int = 760, height: int = 420):
        self.canvas = Canvas(width, height)
        self.left, self.right, self.top, self.bottom = 80, width - 20, 50, height - 70
        self.ymax = ymax if ymax > 0 else 1.0
        self.canvas.text(width / 2, 14, title, anchor="centre")
        for k in range(6):
            value = self.ymax * k / 5
            y = self.y(value)
            self.canvas.line(self.left, y, self.right, y, GRID)
            self.canvas.text(self.left - 8, y - 7, ylabel_fmt.format(value), anchor="right")
        self.canvas.line(self.left, self.top, self.left, self.bottom, INK)
        self.canvas.line(self.left, self.bottom, self.right, self.bottom, INK)

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * min(max(value, 0.0), self.ymax) / self.ymax

    def legend(self, names: Sequence[str]) -> None:
        x = self.left
        for index, name in enumerate(names):
            self.canvas.rect(x, self.bottom + 44, x + 12, self.bottom + 56, PALETTE[index % len(PALETTE)])
            self.canvas.text(x + 18, self.bottom + 44, name)
            x += text_width(name) + 40


def bar_chart(
    path: Path,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    intervals: Sequence[tuple[float, float]] | None = None,
    ymax: float = 1.0,
    fmt: str = "{:.0%}",
) -> None:
    """One bar per label, optionally with interval whiskers (accuracy with 95% intervals)."""
    plot = Plot(title, ymax, fmt)
    slot = (plot.right - plot.left) / max(1, len(labels))
    for index, (label, value) in enumerate(zip(labels, values)):
        x0 = plot.left + slot * index + slot * 0.2
        x1 = x0 + slot * 0.6
        plot.canvas.rect(x0, plot.y(value), x1, plot.bottom - 1, PALETTE[index % len(PALETTE)])
        if intervals is not None:
            low, high = intervals[index]
            mid = (x0 + x1) / 2
            plot.canvas.line(mid, plot.y(low), mid, plot.y(high), INK, 2)
            for v in (low, high):
                plot.canvas.line(mid - 6, plot.y(v), mid + 6, plot.y(v), INK, 2)
        plot.canvas.text((x0 + x1) / 2, plot.bottom + 10, label[:14], anchor="centre")
        if intervals is None:
            plot.canvas.text((x0 + x1) / 2, plot.y(value) - 18, fmt.format(value), anchor="centre")
        else:  # beside the whisker, which would cross it
            plot.canvas.text((x0 + x1) / 2 + 10, plot.y(value) - 18, fmt.format(value))
    plot.canvas.save(path)


def grouped_bars(
    path: Path, title: str, categories: Sequence[str], series: dict[str, Sequence[float]], fmt: str = "{:.0f}"
) -> None:
    """Bars side by side per category (flips per round: right->wrong next to wrong->right)."""
    top = max([v for values in series.values() for v in values] + [1.0])
    plot = Plot(title, max(5, math.ceil(top * 1.1 / 5) * 5), fmt)  # whole ticks for counts
    slot = (plot.right - plot.left) / max(1, len(categories))
    width = slot * 0.7 / max(1, len(series))
    for c, category in enumerate(categories):
        start = plot.left + slot * c + slot * 0.15
        for s, values in enumerate(series.values()):
            x0 = start + width * s
            plot.canvas.rect(x0, plot.y(values[c]), x0 + width - 2, plot.bottom - 1, PALETTE[s % len(PALETTE)])
            plot.canvas.text(x0 + width / 2, plot.y(values[c]) - 18, fmt.format(values[c]), anchor="centre")
        plot.canvas.text(start + slot * 0.35, plot.bottom + 10, category[:16], anchor="centre")
    plot.legend(list(series))
    plot.canvas.save(path)


def line_chart(
    path: Path, title: str, xs: Sequence[int], series: dict[str, Sequence[float | None]], xlabel: str = "round"
) -> None:
    """Accuracy against debate round, one line per method."""
    plot = Plot(title, 1.0)
    span = max(1, len(xs) - 1)

    def x(index: int) -> float:
        return plot.left + 30 + (plot.right - plot.left - 60) * index / span

    for index, value in enumerate(xs):
        plot.canvas.text(x(index), plot.bottom + 10, f"{xlabel} {value}", anchor="centre")
    for s, values in enumerate(series.values()):
        colour = PALETTE[s % len(PALETTE)]
        points = [(x(i), plot.y(v)) for i, v in enumerate(values) if v is not None]
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            plot.canvas.line(xa, ya, xb, yb, colour, 3)
        for xp, yp in points:
            plot.canvas.rect(xp - 4, yp - 4, xp + 4, yp + 4, colour)
    plot.legend(list(series))
    plot.canvas.save(path)
