"""The launcher's question before it opens a window: can Qt start here, and if not, what to install."""

import os
import subprocess

from desktop import platform_check
from desktop.platform_check import package_for, platform_problem


def test_sonames_map_to_debian_package_names():
    assert package_for("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert package_for("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert package_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert package_for("libxcb-cursor.so.0.0.0") == "libxcb-cursor0"
    assert package_for("libEGL.so.1") == "libegl1"


def test_a_platform_qt_can_start_is_no_problem():
    assert platform_problem({**os.environ, "QT_QPA_PLATFORM": "offscreen"}) is None


def test_a_platform_that_cannot_load_is_reported_with_its_missing_libraries(monkeypatch):
    real_run = subprocess.run

    def fake_ldd(command, **kwargs):
        if command[0] == "ldd":
            out = (
                "\tlibc.so.6 => /lib/libc.so.6\n\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found\n"
            )
            return subprocess.CompletedProcess(command, 0, out, "")
        return real_run(command, **kwargs)

    monkeypatch.setattr(platform_check.subprocess, "run", fake_ldd)
    monkeypatch.setattr(platform_check, "_loadable", lambda name: False)
    problem = platform_problem({**os.environ, "QT_QPA_PLATFORM": "no-such-platform"})
    assert problem is not None
    assert problem.packages == ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1")
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in problem.message()


def test_without_missing_libraries_qt_s_own_diagnosis_is_shown(monkeypatch):
    monkeypatch.setattr(platform_check, "missing_packages", lambda: ())
    problem = platform_problem({**os.environ, "QT_QPA_PLATFORM": "no-such-platform"})
    assert problem is not None and not problem.packages
    assert "no-such-platform" in problem.detail
