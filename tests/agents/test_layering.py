"""The domain never imports Qt or the desktop package (architecture rule, checked in CI)."""

import ast
import subprocess
import sys
from pathlib import Path

import agents

FORBIDDEN = ("PySide6", "qasync", "pyqtgraph", "desktop", "shiboken6")
AGENTS_DIR = Path(agents.__file__).parent


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_agents_module_imports_qt_or_desktop():
    offenders = [
        f"{path.relative_to(AGENTS_DIR.parent)} imports {name}"
        for path in AGENTS_DIR.rglob("*.py")
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_importing_every_agents_module_loads_no_qt():
    modules = [".".join(p.relative_to(AGENTS_DIR.parent).with_suffix("").parts) for p in AGENTS_DIR.rglob("*.py")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
