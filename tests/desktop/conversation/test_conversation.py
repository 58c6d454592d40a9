"""The conversation list: streaming into a row, Markdown once complete, follow-the-end, the message menu."""

from PySide6.QtGui import QGuiApplication

from agents.events import MessageCompleted, MessageStarted, RoundStarted, Usage
from desktop.conversation.delegate import ENTRY_ROLE
from desktop.conversation.view import ConversationView


def start(view, message_id, agent="Alice"):
    view.on_started(MessageStarted(message_id=message_id, agent=agent, model="local"))


def complete(view, message_id, text, agent="Alice"):
    view.on_completed(
        MessageCompleted(
            message_id=message_id,
            agent=agent,
            model="local",
            text=text,
            finish_reason="stop",
            usage=Usage(completion_tokens=3),
        )
    )


def test_streamed_text_grows_one_row_then_renders_markdown(qtbot):
    view = ConversationView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    view.on_event(RoundStarted(round=1))
    start(view, "m1")
    entry = view.bubbles["m1"]
    short = view.itemDelegate().sizeHint(None, view.conversation.index(1)).height()
    for _ in range(40):
        view.on_text("m1", "many words stream in ")
    assert entry.text.startswith("many words") and entry.footer == "streaming…"
    qtbot.waitUntil(lambda: not view._relayout.isActive())
    taller = view.itemDelegate().sizeHint(None, view.conversation.index(1)).height()
    assert taller > short
    complete(view, "m1", "**bold** claim")
    assert entry.document(300).toPlainText() == "bold claim"  # Markdown rendered, markers gone
    complete(view, "m1", "<no> I **disagree** <script>alert(1)</script>")
    assert entry.document(300).toPlainText() == "<no> I disagree <script>alert(1)</script>"  # model text is never HTML
    assert "3 tokens" in entry.footer and view.conversation.index(1).data(ENTRY_ROLE) is entry
    assert [c.kind for c in view.cards] == ["info"]


def test_a_long_transcript_follows_the_end_unless_the_user_scrolled_up(qtbot):
    view = ConversationView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    for i in range(300):
        start(view, f"m{i}")
        complete(view, f"m{i}", f"message {i} " * 10)
    qtbot.waitUntil(lambda: not view._relayout.isActive())
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bar.setValue(0)  # the user reads from the top: new messages must not pull the view down
    start(view, "late")
    complete(view, "late", "late " * 50)
    qtbot.waitUntil(lambda: not view._relayout.isActive())
    assert bar.value() == 0 and len(view.bubbles) == 301


def test_the_message_menu_copies_and_asks_for_inspection(qtbot):
    view = ConversationView()
    qtbot.addWidget(view)
    start(view, "m1")
    menu = view.message_menu("m1")
    inspect = next(a for a in menu.actions() if a.text() == "Inspect with local model")
    assert not inspect.isEnabled()  # not while the message is still streaming
    complete(view, "m1", "final words")
    menu = view.message_menu("m1")
    with qtbot.waitSignal(view.inspectRequested) as signal:
        next(a for a in menu.actions() if a.text() == "Inspect with local model").trigger()
    assert signal.args == ["m1"]
    next(a for a in menu.actions() if a.text() == "Copy text").trigger()
    assert QGuiApplication.clipboard().text() == "final words"


def feed(view, events):
    """Route a run's events to the view as the runner does (text deltas coalesced per message)."""
    from agents.events import ErrorEvent, Finished, ModelLoadProgress, TokenDelta

    for event in events:
        if isinstance(event, MessageStarted):
            view.on_started(event)
        elif isinstance(event, TokenDelta):
            view.on_text(event.message_id, event.text)
        elif isinstance(event, MessageCompleted):
            view.on_completed(event)
        elif isinstance(event, ErrorEvent):
            view.on_error(event)
        elif not isinstance(event, (Finished, ModelLoadProgress)):
            view.on_event(event)


def scripted_debate(qloop, tmp_path, monkeypatch):
    from agents.session.library import read_session
    from tests.agents.session.test_sessions import run_session

    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    session_id, events = qloop.run_until_complete(run_session())
    return read_session(session_id), events


def test_the_view_shows_the_cards_the_exports_show(qtbot, qloop, tmp_path, monkeypatch):
    from agents.session.export import to_html
    from agents.session.render import transcript

    log, events = scripted_debate(qloop, tmp_path, monkeypatch)
    view = ConversationView()
    qtbot.addWidget(view)
    view.resize(560, 800)
    feed(view, events)
    expected = [
        card for card in transcript(log.events) if card.kind != "finished"
    ]  # the window shows the answer elsewhere
    rows = view.conversation.entries
    assert len(rows) == len(expected)
    page = to_html(log)
    for row, card in zip(rows, expected):
        shown = row.document(400).toPlainText()
        assert card.title in shown or (card.kind == "message" and row.agent == card.title)
        if card.kind == "message":
            assert row.text == card.body and row.footer == card.meta
            assert f"--c:{row.colour}'><div class='who'>{card.title}<" in page  # the same colour as the export
        else:
            assert card.body in shown and card.meta in shown


def test_cards_are_painted_in_the_tones_of_the_domain_palette(qtbot):
    from agents.events import VerdictReached
    from agents.session.render import TONE_COLOURS
    from desktop.theme import card_colours

    view = ConversationView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    view.on_event(VerdictReached(round=1, judge="Judge", decision="continue", reason="thin", method="json"))
    qtbot.waitUntil(lambda: not view._relayout.isActive())
    rect = view.visualRect(view.conversation.index(0))
    image = view.viewport().grab().toImage()
    fill = image.pixelColor(rect.right() - 20, rect.center().y())
    assert fill.name() == TONE_COLOURS["verdict"][0]
    dark_fill, _, dark_text = card_colours("verdict", dark=True)
    assert dark_fill.lightness() < 80 and dark_text.lightness() > 180  # light text on a dark card
