"""A first start offscreen: the welcome and the sample session, the layout and its reset, the
readable canvas and its zoom keys, the keyboard path through the builder, screen-reader names."""

import asyncio

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget

from agents.spec import load_template
from agents.team_draft import TeamDraft
from desktop.accessible import needs_name, spoken_name
from desktop.builder.canvas import MIN_FIT, TeamCanvas
from desktop.main_window import BOTTOM, LEFT, RAISED_SHARE, RIGHT, MainWindow
from desktop.planning.tree_view import MIN_FIT_ZOOM


async def _no_model(refs, settings, into):
    raise AssertionError(f"the sample opened a model: {refs}")
    yield  # an async generator, as the pipeline expects


@pytest.fixture
def window(qtbot, qloop):
    win = MainWindow(load=_no_model)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def until(qloop, condition, bound=60.0):
    async def wait():
        while not condition():
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(wait(), bound))


def test_a_first_start_welcomes_and_the_sample_session_opens_with_no_model(window, qtbot, qloop):
    assert window.pages.currentWidget() is window.welcome
    assert "converts it once" in window.welcome.first_load.text()
    qtbot.mouseClick(window.welcome.buttons["sample"], Qt.MouseButton.LeftButton)
    until(qloop, lambda: not window.runs.running and len(window.conversation.bubbles) == 6)
    assert window.pages.currentWidget() is window.conversation
    assert {b.agent for b in window.conversation.bubbles.values()} == {"Affirmative", "Negative", "Judge"}
    assert any(c.kind == "verdict" for c in window.conversation.cards)
    assert len(window.planning.model.nodes) > 50 and window.dock_for["Planning"].isVisible()


def test_build_from_scratch_empties_the_canvas_and_puts_the_keys_on_the_cards(window, qtbot, qloop):
    qtbot.mouseClick(window.welcome.buttons["scratch"], Qt.MouseButton.LeftButton)
    assert window.builder.draft.agents == ()
    roles = window.builder.roles
    until(qloop, roles.hasFocus)
    qtbot.keyClick(roles, Qt.Key.Key_Return)  # Enter on the first card (Debater) adds it
    roles.setCurrentItem(roles.item_for("judge"))
    qtbot.keyClick(roles, Qt.Key.Key_Return)
    assert [a.role for a in window.builder.draft.agents] == ["debater", "judge"]
    assert window.builder.canvas.selected_names() == ["Judge"]
    dialog = window.builder.open_link_dialog()
    assert (dialog.source.currentText(), dialog.target.currentText()) == ("Judge", "Debater")
    qtbot.keyClick(dialog.target, Qt.Key.Key_Return)  # Enter accepts: the keyboard twin of dragging a port
    assert [(k.source, k.target, k.kind) for k in window.builder.draft.links] == [("Judge", "Debater", "judges")]
    canvas = window.builder.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.selected_names() == ["Debater"]


def test_the_canvas_shows_the_team_at_natural_size_and_zooms_with_the_keys(window, qtbot, qloop):
    canvas = window.builder.canvas
    until(qloop, lambda: canvas.zoom() == 1.0)  # the template fits at 100% in a 1280×800 window
    qtbot.keyClick(canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() > 1.0 and not canvas.follow
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() < 1.0
    qtbot.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() == 1.0 and canvas.follow


def test_a_canvas_too_small_for_the_team_shrinks_it_only_to_a_readable_scale_then_scrolls(qtbot):
    canvas = TeamCanvas()
    qtbot.addWidget(canvas)
    canvas.show_draft(TeamDraft.from_spec(load_template("manager_workers")))
    canvas.resize(QSize(600, 400))
    canvas.show()
    qtbot.waitExposed(canvas)
    assert canvas.zoom() == 1.0  # re-fitted on resize: the whole team at natural size
    canvas.resize(QSize(200, 150))  # far too small
    qtbot.waitUntil(lambda: canvas.zoom() < 1.0)
    assert canvas.zoom() == pytest.approx(MIN_FIT)
    assert canvas.horizontalScrollBar().maximum() > 0 or canvas.verticalScrollBar().maximum() > 0


def test_the_planning_tree_fit_keeps_nodes_clickable(window, qtbot, qloop):
    window.open_sample()
    until(qloop, lambda: len(window.planning.model.nodes) > 50)
    tree = window.planning.tree
    tree.resize(120, 80)  # far too small for 71 nodes
    tree.fit()
    assert tree.transform().m11() >= MIN_FIT_ZOOM


def test_the_panel_a_user_asks_for_comes_forward_with_room_and_reset_brings_the_defaults_back(window, qloop):
    interp, planning = window.dock_for["Interpretability"], window.dock_for["Planning"]
    until(qloop, planning.isVisible)
    assert interp.visibleRegion().isEmpty()  # tabbed behind Planning
    window.show_panel("Interpretability")
    until(qloop, lambda: not interp.visibleRegion().isEmpty())
    until(qloop, lambda: interp.height() >= 0.9 * RAISED_SHARE * window.height())
    window.addDockWidget(RIGHT, window.dock_for["Sessions"])  # the user moves one dock and closes another
    window.dock_for["Team builder"].close()
    window.reset_layout()
    until(qloop, lambda: window.dock_for["Team builder"].isVisible() and planning.isVisible())
    assert [window.dockWidgetArea(window.dock_for[t]) for t in ("Team builder", "Sessions")] == [LEFT, LEFT]
    assert window.dockWidgetArea(interp) == BOTTOM
    assert window.conversation.width() >= 0.6 * window.width() or window.pages.width() >= 0.6 * window.width()


def test_every_widget_a_keyboard_reaches_has_a_name_a_screen_reader_says(window):
    assert window.unnamed == []
    named = {spoken_name(w) for w in window.findChildren(type(window.builder)) + window.findChildren(QDockWidget)}
    assert {"Team builder panel", "Sessions", "Planning", "Interpretability"} <= named
    for widget in (window.builder.canvas, window.conversation, window.planning.tree, window.sessions.table):
        assert needs_name(widget, window) and spoken_name(widget)
    assert spoken_name(window.run_bar.model_box) == "Model"  # a combo is named by its label, not its value


def test_tab_walks_the_window_as_it_is_laid_out_left_dock_then_centre_then_below(window):
    order, widget = [], window.builder.name_edit
    for _ in range(500):  # the focus chain is a ring: one lap from the team name
        order.append(widget)
        widget = widget.nextInFocusChain()
        if widget is window.builder.name_edit:
            break
    spots = [
        window.builder.name_edit,
        window.builder.canvas,
        window.sessions.table,
        window.run_bar.task_edit,
        window.run_bar.run_button,
        window.welcome.buttons["template"],
        window.conversation,
        window.planning.tree,
    ]
    assert [order.index(w) for w in spots] == sorted(order.index(w) for w in spots)
