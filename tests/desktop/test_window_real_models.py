"""The window with real providers: a team built by dragging runs on a real (tiny) local model and
is exported; Stop interrupts real generation; an unreachable server is a banner, not a crash."""

import asyncio
import json

from agents.session.library import list_sessions
from desktop.main_window import MainWindow
from tests.desktop.builder.test_builder import build_debate
from tests.desktop.test_main_window import run_until_finished


def real_window(qtbot, model_ref: str) -> MainWindow:
    win = MainWindow()  # the real provider loader
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.run_bar.model_box.setCurrentText(model_ref)
    return win


def test_a_dragged_debate_runs_on_a_local_model_and_exports(qtbot, qloop, tiny_model_dir, tmp_path):
    win = real_window(qtbot, f"local:{tiny_model_dir}")
    win.builder.new_team()
    build_debate(win, qtbot)
    # Greedy: a sampled run of the random tiny model could draw <eos> first now and then and
    # leave a message with no token ids; greedy decoding makes the run the same every time.
    for name in ("Debater", "Debater 2", "Judge"):
        win.builder.document.apply("tokens", win.builder.draft.with_agent_changed(name, max_tokens=8, temperature=0.0))
    win.run_bar.task_edit.setText("Is tea better than coffee?")
    win.runs.start_run()
    run_until_finished(qloop, win, timeout=120)
    assert not win.banner.isVisible(), win.banner.text()
    spoken = {b.agent for b in win.conversation.bubbles.values() if b.done is not None}
    assert spoken == {"Debater", "Debater 2", "Judge"}
    assert any(c.kind == "final" for c in win.conversation.cards)
    exported = win.sessions.export_latest(str(tmp_path / "debate.json"))
    data = json.loads(exported.read_text())
    completed = [e for e in data["events"] if e["type"] == "message_completed"]
    assert {e["agent"] for e in completed} == spoken
    assert all(e["model"].startswith("local:") and e["token_ids"] for e in completed)  # real local generation
    assert any(e["type"] == "verdict" and e["final"] for e in data["events"])
    header = data["events"][0]
    assert header["type"] == "run_started" and header["task"] == "Is tea better than coffee?"
    assert header["team"]["links"] == [{"source": "Judge", "target": "Debater", "kind": "judges"}]
    html = win.sessions.export_latest(str(tmp_path / "debate.html")).read_text()
    assert "Debater 2" in html and "Is tea better than coffee?" in html


def test_stop_interrupts_real_generation(qtbot, qloop, tiny_model_dir):
    win = real_window(qtbot, f"local:{tiny_model_dir}")
    for name in ("Affirmative", "Negative", "Judge"):
        win.builder.document.apply("tokens", win.builder.draft.with_agent_changed(name, max_tokens=2000))
    win.runs.start_run()

    async def stop_when_streaming():
        while not any(b.text for b in win.conversation.bubbles.values()):
            await asyncio.sleep(0.005)
        win.runs.stop_run()

    qloop.run_until_complete(asyncio.wait_for(stop_when_streaming(), 120))
    run_until_finished(qloop, win, timeout=60)
    session = list_sessions()[0]
    assert session.status == "cancelled"
    assert all(m.usage.completion_tokens < 2000 for m in session.messages)
    assert win.run_bar.run_button.isEnabled() and not win.run_bar.stop_button.isEnabled()


def test_an_unreachable_server_shows_a_banner(qtbot, qloop):
    win = real_window(qtbot, "openai-compatible:http://127.0.0.1:9/v1#nobody?timeout=3&retries=0")
    win.runs.start_run()
    run_until_finished(qloop, win, timeout=60)
    assert win.banner.isVisible() and "unreachable" in win.banner.text()
    assert list_sessions()[0].status == "failed"
    assert win.isVisible() and win.run_bar.run_button.isEnabled()
