"""Agora Lab desktop application (PySide6). Imports agents; never the reverse."""
