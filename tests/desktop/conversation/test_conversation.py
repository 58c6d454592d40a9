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
