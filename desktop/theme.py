"""Light and dark palettes; "system" follows the desktop's colour scheme, also when it changes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from agents.session.render import TONE_COLOURS

THEMES = ("system", "light", "dark")
_DARK = {
    QPalette.ColorRole.Window: "#1f2328",
    QPalette.ColorRole.WindowText: "#e6edf3",
    QPalette.ColorRole.Base: "#161b22",
    QPalette.ColorRole.AlternateBase: "#21262d",
    QPalette.ColorRole.Text: "#e6edf3",
    QPalette.ColorRole.Button: "#2d333b",
    QPalette.ColorRole.ButtonText: "#e6edf3",
    QPalette.ColorRole.Highlight: "#1f6feb",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2d333b",
    QPalette.ColorRole.ToolTipText: "#e6edf3",
    QPalette.ColorRole.PlaceholderText: "#8b949e",
    QPalette.ColorRole.Link: "#58a6ff",
    QPalette.ColorRole.Mid: "#444c56",
}

# Cards on a dark window: the light page's tones (agents.session.render) would glare.
_DARK_TONES: dict[str, tuple[str | None, str | None]] = {
    "info": (None, None),
    "warning": ("#2d2212", "#9a6a2f"),
    "verdict": ("#1e2342", "#5b64c9"),
    "final": ("#2b2410", "#b7862a"),
    "error": ("#3a1d1f", "#b45353"),
}


def card_colours(tone: str, dark: bool) -> tuple[QColor | None, QColor | None, QColor]:
    """A card's fill, border and text colour (no fill: a bare line of grey text)."""
    fill, border = (_DARK_TONES if dark else TONE_COLOURS).get(tone, (None, None))
    if fill is None or border is None:
        return None, None, QColor("#8b949e" if dark else "gray")
    return QColor(fill), QColor(border), QColor("#e6edf3" if dark else "#111827")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):  # a theme only makes sense for a widget application
        raise RuntimeError("themes need a running QApplication")
    return app


def palette_for(dark: bool) -> QPalette:
    palette = _app().style().standardPalette()
    if dark:
        for role, colour in _DARK.items():
            palette.setColor(role, QColor(colour))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6e7681"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6e7681"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6e7681"))
    return palette


class ThemeKeeper(QObject):
    """Applies the chosen theme and re-applies "system" when the desktop switches scheme."""

    def __init__(self, choice: str = "system", parent: QObject | None = None):
        super().__init__(parent)  # parented: the connection below dies with the window
        self.choice = choice if choice in THEMES else "system"
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    def apply(self, choice: str | None = None, scheme: Qt.ColorScheme | None = None) -> bool:
        """Set the palette; returns whether it is dark."""
        self.choice = choice or self.choice
        scheme = QGuiApplication.styleHints().colorScheme() if scheme is None else scheme
        dark = self.choice == "dark" or (self.choice == "system" and scheme == Qt.ColorScheme.Dark)
        app = _app()
        app.setStyle("Fusion")  # the one style that honours a palette everywhere
        app.setPalette(palette_for(dark))
        return dark

    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self.apply(scheme=scheme)
