"""The window runs a team end to end (scripted providers), stops, lists and exports sessions."""

import asyncio

import pytest

from agents.llm.scripted import ScriptedProvider
from agents.session.library import list_sessions
from desktop.main_window import MainWindow


def scripted_loader(delay_s=0.0, words=30):
    async def load(spec, settings, model_override):
        reply = " ".join(["argument"] * words) + " Answer: 42"
        yield {a.name: ScriptedProvider(lambda request: reply, delay_s=delay_s, name=a.name) for a in spec.agents}

    return load


def run_until_finished(qloop, window, timeout=30):
    async def wait():
        while window.bridge.running:
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(wait(), timeout))


@pytest.fixture
def window(qtbot, qloop):
    win = MainWindow(provider_loader=scripted_loader())
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_template_runs_and_streams_into_bubbles(window, qloop):
    window.open_template("debate_with_judge")
    window.start_run()
    assert not window.run_button.isEnabled() and window.stop_button.isEnabled()
    run_until_finished(qloop, window)
    bubbles = list(window.conversation.bubbles.values())
    assert len(bubbles) >= 3
    assert all("Answer: 42" in b.text for b in bubbles)
    assert any(card.kind in ("verdict", "final") for card in window.conversation.cards)
    assert window.tokens > 0 and "tokens:" in window.status_tokens.text()
    assert window.run_button.isEnabled()
    sessions = list_sessions()
    assert len(sessions) == 1 and sessions[0].status == "completed"
    assert window.sessions.table.rowCount() == 1


def test_stop_ends_the_run_and_the_session_says_cancelled(qtbot, qloop):
    win = MainWindow(provider_loader=scripted_loader(delay_s=0.01, words=400))
    qtbot.addWidget(win)
    win.start_run()

    async def stop_soon():
        while not win.conversation.bubbles:
            await asyncio.sleep(0.01)
        win.stop_run()

    qloop.run_until_complete(asyncio.wait_for(stop_soon(), 10))
    run_until_finished(qloop, win)
    assert list_sessions()[0].status == "cancelled"
    first = next(iter(win.conversation.bubbles.values()))
    assert len(first.text.split()) < 400


def test_a_session_replays_and_exports_from_the_browser(window, qloop, tmp_path):
    window.start_run()
    run_until_finished(qloop, window)
    live = [b.text for b in window.conversation.bubbles.values()]
    window.sessions.table.selectRow(0)
    window.sessions.replay_selected()
    run_until_finished(qloop, window)
    assert [b.text for b in window.conversation.bubbles.values()] == live
    path = window.sessions.export_selected(str(tmp_path / "out.html"))
    assert path is not None and "Answer: 42" in path.read_text()
    markdown = window.export_latest(str(tmp_path / "out.md"))
    assert markdown is not None and "Answer: 42" in markdown.read_text()


def test_a_provider_failure_shows_a_banner_not_a_crash(qtbot, qloop):
    from agents.llm.base import ProviderError

    async def failing(spec, settings, override):
        yield {
            a.name: ScriptedProvider(
                [ProviderError("unreachable", "cannot connect to http://127.0.0.1:9/v1")], name=a.name
            )
            for a in spec.agents
        }

    win = MainWindow(provider_loader=failing)
    qtbot.addWidget(win)
    win.show()
    win.start_run()
    run_until_finished(qloop, win)
    assert win.banner.isVisible() and "cannot connect" in win.banner.text()
    assert list_sessions()[0].status == "failed"


def test_a_human_turn_asks_in_the_window_and_waits(qtbot, qloop, monkeypatch):
    from agents.spec import parse_team

    team = parse_team(
        {
            "name": "with me",
            "agents": [{"name": "Bot"}, {"name": "Me", "role": "human"}],
            "protocol": {"kind": "round_robin", "max_rounds": 1},
        }
    )

    async def load(spec, settings, override):
        yield {"Bot": ScriptedProvider(["Hello, human."], name="Bot")}

    win = MainWindow(provider_loader=load)
    qtbot.addWidget(win)
    win.show()
    monkeypatch.setattr(win, "current_team", lambda: team)
    win.start_run()

    async def answer_when_asked():
        while not win.human_bar.isVisible():
            await asyncio.sleep(0.01)
        assert "Me" in win.human_bar.prompt.text()
        qtbot.keyClicks(win.human_bar.edit, "Hi bot")
        win.human_bar.send.click()

    qloop.run_until_complete(asyncio.wait_for(answer_when_asked(), 10))
    run_until_finished(qloop, win)
    texts = {b.agent: b.text for b in win.conversation.bubbles.values()}
    assert texts == {"Bot": "Hello, human.", "Me": "Hi bot"}
    assert not win.human_bar.isVisible() and list_sessions()[0].status == "completed"


def test_model_loading_shows_progress_and_cancel_stops_the_run(window):
    from agents.events import ModelLoadProgress

    window.bridge.dispatch(
        ModelLoadProgress(model="local", stage="converting weights", fraction=0.4, detail="94/236 tensors")
    )
    assert window.loading.isVisible() and window.loading.value() == 40
    assert "converting weights" in window.loading.labelText()
    window.bridge.dispatch(ModelLoadProgress(model="local", stage="loading tokenizer"))
    assert window.loading.maximum() == 0  # busy: no measurable fraction
    from PySide6.QtWidgets import QPushButton

    window.loading.findChild(QPushButton).click()  # the dialog's Cancel button
    assert window.stop.token.cancelled
    window.bridge.dispatch(ModelLoadProgress(model="local", stage="ready", fraction=1.0))
    assert not window.loading.isVisible()


def test_fork_from_the_browser_keeps_messages_and_records_the_parent(window, qloop):
    window.start_run()
    run_until_finished(qloop, window)
    parent = list_sessions()[0]
    window.sessions.refresh()
    window.sessions.table.selectRow(0)
    window.sessions.fork_selected(keep=2)
    run_until_finished(qloop, window)
    child = next(s for s in list_sessions() if s.session_id != parent.session_id)
    assert child.header.parent_run == parent.session_id and child.header.forked_at_message == 2
    assert [m.text for m in child.messages[:2]] == [m.text for m in parent.messages[:2]]
    assert child.status == "completed"


def test_the_model_box_overrides_every_agents_model(qtbot, qloop):
    seen = []

    async def load(spec, settings, override):
        seen.append(override)
        yield {a.name: ScriptedProvider(lambda request: "ok", name=a.name) for a in spec.agents}

    win = MainWindow(provider_loader=load)
    qtbot.addWidget(win)
    win.start_run()
    run_until_finished(qloop, win)
    win.model_box.setCurrentText("openai-compatible:http://127.0.0.1:8080/v1#gemma")
    win.start_run()
    run_until_finished(qloop, win)
    assert seen == [None, "openai-compatible:http://127.0.0.1:8080/v1#gemma"]
