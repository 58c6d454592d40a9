"""Light and dark palettes: chosen in the View menu, remembered, and "system" follows the desktop."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from tests.desktop.test_main_window import scripted_loader


def window_lightness() -> int:
    return QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness()


def test_the_theme_menu_switches_palettes_and_is_remembered(qtbot, qloop):
    win = MainWindow(load=scripted_loader())
    qtbot.addWidget(win)
    try:
        win.menu_actions["Theme dark"].trigger()
        assert window_lightness() < 80
        assert QSettings("Agora Lab", "agora-lab").value("theme") == "dark"
        again = MainWindow(load=scripted_loader())
        qtbot.addWidget(again)
        assert again.theme.choice == "dark" and again.menu_actions["Theme dark"].isChecked()
        win.menu_actions["Theme light"].trigger()
        assert window_lightness() > 180
    finally:
        win.set_theme("system")


def test_system_follows_the_desktop_colour_scheme(qtbot, qloop):
    hints = QGuiApplication.styleHints()  # the offscreen platform cannot switch: announce it as the desktop would
    win = MainWindow(load=scripted_loader())
    qtbot.addWidget(win)
    win.set_theme("system")
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert window_lightness() < 80
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert window_lightness() > 180
        win.set_theme("light")
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # a fixed choice ignores the desktop
        assert window_lightness() > 180
    finally:
        win.set_theme("system")
