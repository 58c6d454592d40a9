"""A newcomer's first ten minutes under a real X server with real input (tests/desktop/journey.py).

The window runs in its own process on Xvfb (this process's Qt is offscreen); xdotool moves the
pointer and types. The test then reads the journey's report: what happened, and the layout's
measurements at 1280×800, at 1920×1080 and at device-pixel ratio 2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html import escape as html_escape
from pathlib import Path

import pytest

from agents.spec import load_template
from desktop.builder.canvas import MIN_FIT

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 600  # the whole journey takes well under a minute; this bound only catches a hang
SCREENS = {"1280x800": ("1280x800", None), "1920x1080": ("1920x1080", None), "dpr2": ("2560x1600", "2")}


def _x_server() -> str:
    """xvfb-run, or a skip saying why (the one reason to skip: no X server can be started here)."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        pytest.skip("no X server can be started: xvfb-run is not installed (make install-test installs it)")
    assert shutil.which("xdotool"), "xvfb-run is here but xdotool is not: `make install-test` installs both"
    return xvfb


def drive(out: Path, screen: str, mode: str, model: Path | None = None, scale: str | None = None) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")  # this process's offscreen platform is not inherited
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    command = [_x_server(), "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-m", "tests.desktop.journey"]
    command += [str(out), "--pass", mode] + (["--model", str(model)] if model else [])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=LIMIT_S)
    report_file = out / "report.json"
    assert report_file.exists(), f"the journey wrote no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report.get("ok"), f"{report.get('error')} (see {out}/failed.png)\n{done.stderr[-4000:]}"
    assert done.returncode == 0, done.stderr[-4000:]
    keep = os.environ.get("AGORA_LAB_JOURNEY_SHOTS")  # `make screenshots` keeps them
    if keep:
        shutil.copytree(out, Path(keep) / out.name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("data", "config"))
    return report


def test_the_newcomer_journey_at_1280x800(tmp_path, tiny_model_dir):
    report = drive(tmp_path / "journey-1280x800", "1280x800", "journey", model=tiny_model_dir)
    steps = [s["step"] for s in report["steps"]]
    assert steps == [
        "01-welcome",
        "02-template-gallery",
        "03-template",
        "04-third-debater",
        "05-linked",
        "06-running",
        "07-stopped",
        "08-replayed",
        "09-export-dialog",
        "10-exported",
    ]
    assert all((tmp_path / "journey-1280x800" / s["screenshot"]).stat().st_size > 10_000 for s in report["steps"])
    assert report["stopped_status"] == "cancelled"  # Stop (Ctrl+.) interrupted real generation
    html = (tmp_path / "journey-1280x800" / report["exported"]).read_text(encoding="utf-8")
    task = html_escape(load_template("debate_with_judge").sample_task, quote=True)
    assert "Debater" in html and task in html  # the dragged-in debater spoke, on the template's task
    opened = report["metrics"]["template"]
    assert opened["canvas_zoom"] == 1.0 and opened["nodes_visible"]  # natural size, nothing cut off
    assert opened["unnamed_widgets"] == []


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[str, dict]:
    """The first start and the sample session on each screen."""
    out = tmp_path_factory.mktemp("layouts")
    return {name: drive(out / f"layout-{name}", size, "layout", scale=scale) for name, (size, scale) in SCREENS.items()}


@pytest.mark.parametrize("name", list(SCREENS))
def test_every_screen_gives_the_conversation_the_most_room_and_readable_panels(layouts, name):
    report = layouts[name]
    (width, height), start, sample = (
        report["metrics"]["start"]["window"],
        report["metrics"]["start"],
        report["metrics"]["sample"],
    )
    conversation_w, conversation_h = start["conversation"]
    assert conversation_w >= 0.6 * width and conversation_h >= 0.4 * height
    assert start["canvas_zoom"] >= MIN_FIT and start["nodes_visible"]
    assert start["node_title_px"] >= 12  # a bold title at least 12 logical pixels high
    tree_w, tree_h = sample["planning_tree"]
    assert sample["planning_nodes"] > 50 and tree_w >= 0.25 * width and tree_h >= 150
    assert start["unnamed_widgets"] == []
    if name == "dpr2":
        assert report["screen"]["dpr"] == 2.0


def test_a_larger_screen_gives_the_room_to_the_conversation_and_the_tree(layouts):
    small, large = layouts["1280x800"]["metrics"]["sample"], layouts["1920x1080"]["metrics"]["sample"]
    assert large["conversation"][0] > small["conversation"][0] and large["conversation"][1] > small["conversation"][1]
    assert (
        large["planning_tree"][0] > small["planning_tree"][0] and large["planning_tree"][1] > small["planning_tree"][1]
    )
    assert large["canvas_zoom"] == small["canvas_zoom"] == 1.0  # the team at its natural size on both
    # Device-pixel ratio 2 on 2560×1600 is 1280×800 in logical pixels: the same layout, drawn sharper.
    assert layouts["dpr2"]["metrics"]["sample"]["conversation"] == small["conversation"]
