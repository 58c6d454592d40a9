"""Can Qt open a window here? Asked before the window starts, because Qt's own answer to a
missing library ("could not load the xcb platform plugin") is to abort the process.

The probe runs in a child process; when it fails on Linux, the xcb plugin's unresolved
libraries are read with ``ldd`` and named as the Debian/Ubuntu packages that provide them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROBE = "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"
PROBE_TIMEOUT_S = 60
# Debian package names that do not follow the soname rule below.
# Loaded by the xcb plugin at run time (dlopen), so ldd does not list them.
RUNTIME_LIBRARIES = ("libxcb-cursor.so.0",)
PACKAGE_OF = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
}


@dataclass(frozen=True)
class PlatformProblem:
    detail: str
    packages: tuple[str, ...]

    def message(self) -> str:
        lines = [f"agora-lab: Qt cannot open a window here ({self.detail})."]
        if self.packages:
            lines.append("Install the missing system libraries, e.g. on Debian/Ubuntu:")
            lines.append(f"  sudo apt install {' '.join(self.packages)}")
        return "\n".join(lines)


def platform_problem(env: dict[str, str] | None = None) -> PlatformProblem | None:
    """None when a QGuiApplication can start with this environment, else what is wrong."""
    env = dict(os.environ if env is None else env)
    try:
        probe = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return PlatformProblem("the display did not answer", ())
    if probe.returncode == 0:
        return None
    packages = missing_packages() if sys.platform == "linux" else ()
    if packages:  # Qt's own message then names a guess (xcb-cursor) whatever is missing
        return PlatformProblem("its xcb platform plugin cannot load: system libraries are missing", packages)
    return PlatformProblem(qt_diagnosis(probe.stderr) or f"exit status {probe.returncode}", packages)


def missing_packages() -> tuple[str, ...]:
    """Debian package names for the xcb plugin's libraries that the dynamic linker cannot find."""
    missing: set[str] = set()
    for library in _xcb_libraries():
        try:
            out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        missing.update(re.findall(r"^\s*(\S+) => not found", out, flags=re.MULTILINE))
    missing.update(name for name in RUNTIME_LIBRARIES if not _loadable(name))
    return tuple(sorted({package_for(soname) for soname in missing}))


def _loadable(soname: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def package_for(soname: str) -> str:
    """``libxcb-icccm.so.4`` -> ``libxcb-icccm4``; ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0``."""
    if soname in PACKAGE_OF:
        return PACKAGE_OF[soname]
    match = re.fullmatch(r"(.+)\.so\.(\d+)(?:\..*)?", soname)
    if not match:
        return soname
    name, version = match.groups()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def _xcb_libraries() -> list[Path]:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    return [
        p
        for p in (qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*")))
        if p.exists()
    ]


def qt_diagnosis(text: str) -> str:
    """Qt's own diagnosis when it gives one ("Could not load the Qt platform plugin ..."), else the last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line for line in lines if "platform plugin" in line]
    return (named or lines or [""])[0 if named else -1]
