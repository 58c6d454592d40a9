"""A grid maze with keys and doors: a lower-case key opens the door with its upper-case letter.

The grid is fixed per instance; a state is ``(row, col, keys)`` with the keys held as a
sorted string. Stepping on a key picks it up; a door is passable once its key is held.
"""

from __future__ import annotations

import random
import re
from collections import deque

MOVES = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
MazeState = tuple[int, int, str]
POSITION = re.compile(r"row\s*(\d+)\s*,?\s*col(?:umn)?\s*(\d+)")
KEYS = re.compile(r"keys?\s*(?:held)?\s*:\s*([a-z ,]*|none)")


def _carve(height: int, width: int, rng: random.Random) -> list[list[str]]:
    grid = [["#"] * (2 * width + 1) for _ in range(2 * height + 1)]
    stack, seen = [(0, 0)], {(0, 0)}
    grid[1][1] = "."
    while stack:
        r, c = stack[-1]
        options = [
            (r + dr, c + dc)
            for dr, dc in MOVES.values()
            if 0 <= r + dr < height and 0 <= c + dc < width and (r + dr, c + dc) not in seen
        ]
        if not options:
            stack.pop()
            continue
        nr, nc = rng.choice(options)
        grid[2 * nr + 1][2 * nc + 1] = grid[r + nr + 1][c + nc + 1] = "."
        seen.add((nr, nc))
        stack.append((nr, nc))
    return grid


def _bfs(grid, start, passable) -> dict[tuple[int, int], tuple[int, int] | None]:
    parents: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        for dr, dc in MOVES.values():
            nxt = (r + dr, c + dc)
            if nxt not in parents and passable(grid[nxt[0]][nxt[1]]):
                parents[nxt] = (r, c)
                queue.append(nxt)
    return parents


class Maze:
    name = "maze"

    def __init__(self, seed: int = 0, size: int = 4, doors: int = 1):
        if not 2 <= size <= 12 or not 0 <= doors <= 3:
            raise ValueError("a maze has 2 to 12 cells a side and 0 to 3 doors")
        rng = random.Random(f"maze-{seed}")
        self.seed = seed
        grid = _carve(size, size, rng)
        self.start, self.goal = (1, 1), (2 * size - 1, 2 * size - 1)
        self._place_doors(grid, doors, rng)
        grid[self.goal[0]][self.goal[1]] = "G"
        self.grid = tuple("".join(row) for row in grid)
        self.initial: MazeState = (1, 1, "")

    def _place_doors(self, grid, doors: int, rng: random.Random) -> None:
        parents = _bfs(grid, self.start, lambda ch: ch != "#")
        path: list[tuple[int, int]] = []
        cell: tuple[int, int] | None = self.goal
        while cell is not None:
            path.append(cell)
            cell = parents[cell]
        path.reverse()
        for i in range(doors):
            door = path[(i + 1) * len(path) // (doors + 1)]
            grid[door[0]][door[1]] = "ABC"[i]
            reach = _bfs(grid, self.start, lambda ch, opened="abc"[:i]: ch not in "#ABC" or ch.lower() in opened)
            free = [p for p in reach if grid[p[0]][p[1]] == "." and p != self.start and p not in path] or [
                p for p in reach if grid[p[0]][p[1]] == "." and p != self.start
            ]
            key = rng.choice(free)
            grid[key[0]][key[1]] = "abc"[i]

    def successors(self, state: MazeState) -> dict[str, MazeState]:
        r, c, keys = state
        out = {}
        for name, (dr, dc) in MOVES.items():
            ch = self.grid[r + dr][c + dc]
            if ch == "#" or (ch.isupper() and ch != "G" and ch.lower() not in keys):
                continue
            held = "".join(sorted(set(keys + ch))) if ch.islower() else keys
            out[f"move {name}"] = (r + dr, c + dc, held)
        return out

    def is_goal(self, state: MazeState) -> bool:
        return (state[0], state[1]) == self.goal

    def render(self, state: MazeState) -> str:
        r, c, keys = state
        rows = [self._cell_row(i, row, keys) for i, row in enumerate(self.grid)]
        rows[r] = rows[r][:c] + "@" + rows[r][c + 1 :]
        return "\n".join(rows) + f"\nposition: row {r}, column {c}; keys: {', '.join(keys) or 'none'}"

    def _cell_row(self, i: int, row: str, keys: str) -> str:
        return "".join("." if ch.islower() and ch in keys else ch for ch in row)

    def parse_state(self, text: str) -> MazeState | None:
        low = text.lower()
        found = POSITION.search(low)
        if found is None:
            return None
        r, c = int(found.group(1)), int(found.group(2))
        if not (0 <= r < len(self.grid) and 0 <= c < len(self.grid[0])) or self.grid[r][c] == "#":
            return None
        held = KEYS.search(low)
        keys = "" if held is None or held.group(1).strip() == "none" else held.group(1)
        return (r, c, "".join(sorted({k for k in keys if k in "abc"})))

    def goal_text(self) -> str:
        return f"Reach the goal G at row {self.goal[0]}, column {self.goal[1]} (@ is you, # a wall, a key opens its door: a opens A)."

    def rules_text(self) -> str:
        return "Each step moves one cell up, down, left or right; walls block; a door needs its key."

    def heuristic(self, state: MazeState) -> float:
        r, c, _keys = state
        span = len(self.grid) + len(self.grid[0])
        return 1.0 - (abs(r - self.goal[0]) + abs(c - self.goal[1])) / span

    def view(self, state: MazeState) -> dict:
        return {
            "kind": "grid",
            "rows": [self._cell_row(i, row, state[2]) for i, row in enumerate(self.grid)],
            "agent": [state[0], state[1]],
            "keys": state[2],
        }

    def diff(self, predicted: MazeState, actual: MazeState) -> list[str]:
        out = []
        if predicted[:2] != actual[:2]:
            out.append(
                f"position: predicted row {predicted[0]}, column {predicted[1]}; actually row {actual[0]}, column {actual[1]}"
            )
        if predicted[2] != actual[2]:
            out.append(f"keys: predicted {predicted[2] or 'none'}; actually {actual[2] or 'none'}")
        return out
