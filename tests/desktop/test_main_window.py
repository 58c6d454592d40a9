"""The window runs a team end to end (scripted providers), stops, lists and exports sessions."""

import asyncio

import pytest

from agents.events import HumanInputRequested
from agents.llm.scripted import ScriptedProvider
from agents.session.library import list_sessions
from desktop.main_window import MainWindow


class Scripted(ScriptedProvider):
    """A scripted provider that counts how often the run closed it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def loader(make, opened=None, seen=None):
    """The pipeline's ``load`` hook: ``make(name)`` opens each provider; ``opened`` collects them."""

    async def load(refs, settings, into):
        if seen is not None:
            seen.append(set(refs.values()))
        for name in refs:
            into[name] = make(name)
            if opened is not None:
                opened.append(into[name])
        for _ in ():
            yield

    return load


def scripted_loader(delay_s=0.0, words=30, opened=None):
    reply = " ".join(["argument"] * words) + " Answer: 42"
    return loader(lambda name: Scripted(lambda request: reply, delay_s=delay_s, name=name), opened)


def run_until_finished(qloop, window, timeout=30):
    async def wait():
        while window.runs.running:
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(wait(), timeout))


@pytest.fixture
def window(qtbot, qloop):
    win = MainWindow(load=scripted_loader())
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_template_runs_and_streams_into_bubbles(window, qloop):
    window.builder.open_template("debate_with_judge")
    window.runs.start_run()
    assert not window.run_bar.run_button.isEnabled() and window.run_bar.stop_button.isEnabled()
    run_until_finished(qloop, window)
    bubbles = list(window.conversation.bubbles.values())
    assert len(bubbles) >= 3
    assert all("Answer: 42" in b.text for b in bubbles)
    assert any(card.kind in ("verdict", "final") for card in window.conversation.cards)
    assert window.run_status.tokens > 0 and "tokens:" in window.run_status.tokens_label.text()
    assert window.run_bar.run_button.isEnabled()
    sessions = list_sessions()
    assert len(sessions) == 1 and sessions[0].status == "completed"
    assert window.sessions.table.rowCount() == 1


def test_stop_ends_the_run_and_the_session_says_cancelled(qtbot, qloop):
    opened = []
    win = MainWindow(load=scripted_loader(delay_s=0.01, words=400, opened=opened))
    qtbot.addWidget(win)
    win.runs.start_run()

    async def stop_soon():
        while not win.conversation.bubbles:
            await asyncio.sleep(0.01)
        win.runs.stop_run()

    qloop.run_until_complete(asyncio.wait_for(stop_soon(), 10))
    run_until_finished(qloop, win)
    assert list_sessions()[0].status == "cancelled"
    first = next(iter(win.conversation.bubbles.values()))
    assert len(first.text.split()) < 400
    assert opened and all(p.closed == 1 for p in opened)  # a stopped run closes its providers too


def test_a_window_run_closes_its_providers(qtbot, qloop):
    opened = []
    win = MainWindow(load=scripted_loader(opened=opened))
    qtbot.addWidget(win)
    win.runs.start_run()
    run_until_finished(qloop, win)
    assert len(opened) == 3 and all(p.closed == 1 for p in opened)  # two debaters and the judge
    assert win.runs.pipeline.finished.reason == "completed" and win.runs.pipeline.session_path.exists()


def test_a_session_replays_and_exports_from_the_browser(window, qloop, tmp_path):
    window.runs.start_run()
    run_until_finished(qloop, window)
    live = [b.text for b in window.conversation.bubbles.values()]
    window.sessions.table.selectRow(0)
    window.sessions.replay_selected()
    run_until_finished(qloop, window)
    assert [b.text for b in window.conversation.bubbles.values()] == live
    path = window.sessions.export_selected(str(tmp_path / "out.html"))
    assert path is not None and "Answer: 42" in path.read_text()
    markdown = window.sessions.export_latest(str(tmp_path / "out.md"))
    assert markdown is not None and "Answer: 42" in markdown.read_text()


def test_a_provider_failure_shows_a_banner_not_a_crash(qtbot, qloop):
    from agents.llm.base import ProviderError

    opened = []
    failing = loader(
        lambda name: Scripted([ProviderError("unreachable", "cannot connect to http://127.0.0.1:9/v1")], name=name),
        opened,
    )
    win = MainWindow(load=failing)
    qtbot.addWidget(win)
    win.show()
    win.runs.start_run()
    run_until_finished(qloop, win)
    assert win.banner.isVisible() and "cannot connect" in win.banner.text()
    assert list_sessions()[0].status == "failed"
    assert all(p.closed == 1 for p in opened)


def test_a_failure_to_open_a_provider_is_a_banner_and_closes_what_was_opened(qtbot, qloop):
    from agents.llm.base import ProviderError

    opened = []

    async def half_loaded(refs, settings, into):
        first = next(iter(refs))
        into[first] = opened.append(Scripted(["unused"], name=first)) or opened[-1]
        raise ProviderError("model_not_found", "no such model: gpt-99")
        yield  # pragma: no cover

    win = MainWindow(load=half_loaded)
    qtbot.addWidget(win)
    win.show()
    win.runs.start_run()
    run_until_finished(qloop, win)
    assert win.banner.isVisible() and "gpt-99" in win.banner.text()
    assert opened[0].closed == 1 and list_sessions() == []  # no session: the run never started
    assert win.run_bar.run_button.isEnabled()


HUMAN_TEAM = {
    "name": "with me",
    "agents": [{"name": "Bot"}, {"name": "Me", "role": "human"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


def human_window(qtbot):
    from agents.spec import parse_team

    win = MainWindow(load=loader(lambda name: Scripted(["Hello, human."], name=name)))
    qtbot.addWidget(win)
    win.show()
    asked = []
    win.runs.runner.batch.connect(lambda batch: asked.extend(e for e in batch if isinstance(e, HumanInputRequested)))
    win.runs.start(parse_team(HUMAN_TEAM), "Say hi")
    return win, asked


def wait_until_asked(qloop, win):
    async def asked():
        while not win.human_bar.isVisible():
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(asked(), 10))


def test_a_human_turn_asks_in_the_window_and_waits(qtbot, qloop):
    win, _asked = human_window(qtbot)
    wait_until_asked(qloop, win)
    assert "Me" in win.human_bar.prompt.text()
    qtbot.keyClicks(win.human_bar.edit, "Hi bot")
    win.human_bar.send.click()
    run_until_finished(qloop, win)
    texts = {b.agent: b.text for b in win.conversation.bubbles.values()}
    assert texts == {"Bot": "Hello, human.", "Me": "Hi bot"}
    assert not win.human_bar.isVisible() and list_sessions()[0].status == "completed"


def test_the_human_answer_travels_through_the_runner_by_its_request_id(qtbot, qloop):
    win, asked = human_window(qtbot)
    wait_until_asked(qloop, win)
    request = asked[0]
    assert request.request_id and win.human_bar.request_id == request.request_id
    assert win.runs.human.waiting == (request.request_id,)  # the run waits on that id, not on the widget
    assert win.runs.answer("not-a-request", "ignored") is False
    assert win.runs.human.waiting == (request.request_id,) and win.runs.running
    qtbot.keyClicks(win.human_bar.edit, "Hi bot")
    win.human_bar.send.click()
    run_until_finished(qloop, win)
    mine = next(m for m in list_sessions()[0].messages if m.agent == "Me")
    assert mine.text == "Hi bot" and mine.message_id == request.request_id


def test_stop_while_the_human_is_asked_ends_the_run(qtbot, qloop):
    win, asked = human_window(qtbot)
    wait_until_asked(qloop, win)
    win.run_bar.stop_button.click()
    run_until_finished(qloop, win)
    assert not win.human_bar.isVisible() and win.human_bar.request_id is None
    assert list_sessions()[0].status == "cancelled"
    assert win.runs.answer(asked[0].request_id, "too late") is False  # the run that asked is over


def test_model_loading_shows_progress_and_cancel_stops_the_run(window):
    from agents.events import ModelLoadProgress

    batch = window.runs.runner.batch.emit  # widgets take the runner's batches
    batch([ModelLoadProgress(model="local", stage="converting weights", fraction=0.4, detail="94/236 tensors")])
    assert window.loading.isVisible() and window.loading.value() == 40
    assert "converting weights" in window.loading.labelText()
    batch([ModelLoadProgress(model="local", stage="loading tokenizer")])
    assert window.loading.maximum() == 0  # busy: no measurable fraction
    from PySide6.QtWidgets import QPushButton

    window.loading.findChild(QPushButton).click()  # the dialog's Cancel button
    assert window.runs.stop.token.cancelled
    batch([ModelLoadProgress(model="local", stage="ready", fraction=1.0)])
    assert not window.loading.isVisible()


def test_fork_from_the_browser_keeps_messages_and_records_the_parent(window, qloop):
    window.runs.start_run()
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
    win = MainWindow(load=loader(lambda name: Scripted(lambda request: "ok", name=name), seen=seen))
    qtbot.addWidget(win)
    own = {a.model for a in win.builder.team().agents}
    win.runs.start_run()
    run_until_finished(qloop, win)
    win.run_bar.model_box.setCurrentText("openai-compatible:http://127.0.0.1:8080/v1#gemma")
    win.runs.start_run()
    run_until_finished(qloop, win)
    assert seen == [own, {"openai-compatible:http://127.0.0.1:8080/v1#gemma"}]
