"""Tests of the desktop app's screens and dialogs (pytest-qt, offscreen)."""
