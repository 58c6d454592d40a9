"""The window's menus and toolbar: one table of actions with their standard shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from desktop.theme import THEMES

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


def build_menus(window: MainWindow) -> dict[str, QAction]:
    bar, toolbar = window.menuBar(), window.addToolBar("Main")
    toolbar.setObjectName("toolbar-main")
    menus = {name: bar.addMenu(name) for name in ("&File", "&Edit", "&Run", "&View")}
    keys = QKeySequence.StandardKey
    table = (
        ("&File", "&New team", keys.New, window.new_team, True),
        ("&File", "New team from &template…", "Ctrl+Shift+N", window.open_gallery, False),
        ("&File", "&Open team…", keys.Open, window.open_team_file, True),
        ("&File", "&Save team", keys.Save, window.save_team_file, True),
        ("&File", "Save team &as…", keys.SaveAs, window.save_team_as, False),
        ("&File", "-", None, None, True),
        ("&File", "&Export session…", "Ctrl+E", window.export_latest, True),
        ("&File", "&Providers…", "Ctrl+,", window.open_settings, False),
        ("&File", "&Quit", keys.Quit, window.close, False),
        ("&Edit", "&Delete selected agents or links", keys.Delete, window.builder.canvas.delete_selection, False),
        ("&Run", "&Run", "Ctrl+R", window.start_run, True),
        ("&Run", "&Stop", "Ctrl+.", window.stop_run, True),
    )
    actions: dict[str, QAction] = {}
    for menu, text, shortcut, slot, on_toolbar in table:
        if text == "-":
            menus[menu].addSeparator()
            toolbar.addSeparator()
            continue
        action = actions[text.replace("&", "").rstrip("…")] = QAction(text, window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False, slot=slot: slot())
        menus[menu].addAction(action)
        if on_toolbar:
            toolbar.addAction(action)
    stack = window.builder.document.undo_stack
    undo, redo = stack.createUndoAction(window, "&Undo"), stack.createRedoAction(window, "&Redo")
    undo.setShortcut(QKeySequence(keys.Undo))
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(keys.Redo)])
    menus["&Edit"].insertActions(menus["&Edit"].actions()[0], [undo, redo])
    actions["Undo"], actions["Redo"] = undo, redo
    _view_menu(window, menus["&View"], actions)
    return actions


def _view_menu(window: MainWindow, menu, actions: dict[str, QAction]) -> None:
    for dock in window.docks:
        menu.addAction(dock.toggleViewAction())
    menu.addSeparator()
    group = QActionGroup(window)
    for theme in THEMES:
        action = actions[f"Theme {theme}"] = QAction(f"{theme.capitalize()} theme", window, checkable=True)
        action.setChecked(theme == window.theme.choice)
        action.triggered.connect(lambda _=False, theme=theme: window.set_theme(theme))
        group.addAction(action)
        menu.addAction(action)
