"""The window's menus and toolbar: one table of actions with their standard shortcuts.

Built from an explicit set of handlers, so the menus know what each action does but not who
does it (the window, the builder, the run controller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from desktop.theme import THEMES

Action = Callable[[], object]


@dataclass(frozen=True)
class MenuHandlers:
    new_team: Action
    open_gallery: Action
    open_team: Action
    save_team: Action
    save_team_as: Action
    export_session: Action
    open_settings: Action
    quit: Action
    delete_selection: Action
    run: Action
    stop: Action
    set_theme: Callable[[str], object]
    reset_layout: Action
    link_agents: Action
    inspect: Action


def build_menus(
    window: QMainWindow, handlers: MenuHandlers, undo_stack: QUndoStack, docks: Sequence[QDockWidget], theme: str
) -> dict[str, QAction]:
    bar, toolbar = window.menuBar(), window.addToolBar("Main")
    toolbar.setObjectName("toolbar-main")
    menus = {name: bar.addMenu(name) for name in ("&File", "&Edit", "&Run", "&View")}
    keys = QKeySequence.StandardKey
    h = handlers
    table = (
        ("&File", "&New team", keys.New, h.new_team, True),
        ("&File", "New team from &template…", "Ctrl+Shift+N", h.open_gallery, False),
        ("&File", "&Open team…", keys.Open, h.open_team, True),
        ("&File", "&Save team", keys.Save, h.save_team, True),
        ("&File", "Save team &as…", keys.SaveAs, h.save_team_as, False),
        ("&File", "-", None, None, True),
        ("&File", "&Export session…", "Ctrl+E", h.export_session, True),
        ("&File", "&Providers…", "Ctrl+,", h.open_settings, False),
        ("&File", "&Quit", keys.Quit, h.quit, False),
        ("&Edit", "&Delete selected agents or links", keys.Delete, h.delete_selection, False),
        ("&Edit", "&Link agents…", "Ctrl+L", h.link_agents, False),
        ("&Run", "&Run", "Ctrl+R", h.run, True),
        ("&Run", "&Stop", "Ctrl+.", h.stop, True),
        ("&Run", "&Inspect selected message", "Ctrl+I", h.inspect, False),
    )
    actions: dict[str, QAction] = {}
    for menu, text, shortcut, slot, on_toolbar in table:
        if text == "-":
            menus[menu].addSeparator()
            toolbar.addSeparator()
            continue
        assert shortcut is not None and slot is not None
        action = actions[text.replace("&", "").rstrip("…")] = QAction(text, window)
        action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False, slot=slot: slot())
        menus[menu].addAction(action)
        if on_toolbar:
            toolbar.addAction(action)
    undo, redo = undo_stack.createUndoAction(window, "&Undo"), undo_stack.createRedoAction(window, "&Redo")
    undo.setShortcut(QKeySequence(keys.Undo))
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(keys.Redo)])
    menus["&Edit"].insertActions(menus["&Edit"].actions()[0], [undo, redo])
    actions["Undo"], actions["Redo"] = undo, redo
    _view_menu(window, menus["&View"], actions, docks, theme, h.set_theme)
    reset = actions["Reset layout"] = QAction("Reset &layout", window)
    reset.triggered.connect(lambda _=False: h.reset_layout())
    menus["&View"].addSeparator()
    menus["&View"].addAction(reset)
    for action in toolbar.actions():  # a screen reader names toolbar buttons by their action
        widget = toolbar.widgetForAction(action)
        if widget is not None and action.text():
            widget.setAccessibleName(action.text().replace("&", "").rstrip("…"))
    return actions


def _view_menu(
    window: QMainWindow,
    menu: QMenu,
    actions: dict[str, QAction],
    docks: Sequence[QDockWidget],
    theme: str,
    set_theme: Callable[[str], object],
) -> None:
    for dock in docks:
        menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    group = QActionGroup(window)
    for choice in THEMES:
        action = actions[f"Theme {choice}"] = QAction(f"{choice.capitalize()} theme", window, checkable=True)
        action.setChecked(choice == theme)
        action.triggered.connect(lambda _=False, choice=choice: set_theme(choice))
        group.addAction(action)
        menu.addAction(action)
