"""Issue 25: the tool bar and menus cannot be hidden by accident, and every shortcut keeps working
whatever widget has the focus."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from setting_app.ui.context import AppContext
from setting_app.ui.main_window import MainWindow
from setting_app.ui.screens import NAVIGATION
from setting_app.ui.widgets.list_view import ListView


@pytest.fixture
def window(session, clock, data_dir, qtbot, tmp_path):
    ctx = AppContext(session, clock)
    win = MainWindow(ctx, data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    QThreadPool.globalInstance().waitForDone(5000)


def right_click(widget: QWidget) -> None:
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), widget.mapToGlobal(QPoint(5, 5)))
    QApplication.sendEvent(widget, event)


def test_right_click_on_the_tool_bar_or_menu_bar_offers_no_hiding(window: MainWindow, qtbot) -> None:
    assert window.createPopupMenu() is None
    for widget in (window.toolbar, window.menuBar(), window):
        right_click(widget)
        qtbot.wait(20)
        assert QApplication.activePopupWidget() is None
    assert window.toolbar.isVisible()
    assert not window.toolbar.isMovable() and not window.toolbar.isFloatable()
    texts = [a.text() for a in window.toolbar.actions()]
    assert any(t.startswith("Quick log") for t in texts) and any(t.startswith("Lock") for t in texts)


def test_the_view_menu_brings_the_tool_bar_back(window: MainWindow, qtbot) -> None:
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.toolbar_action in view_menu.actions()
    window.toolbar.hide()
    assert not window.toolbar_action.isChecked()
    window.toolbar_action.trigger()
    assert window.toolbar.isVisible()


def focusable_widgets(screen: QWidget) -> list[QWidget]:
    """One visible, enabled, focusable widget of each kind on the screen (the kinds that eat keys)."""
    kinds = (ListView, QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractButton)
    chosen: dict[type, QWidget] = {}
    for widget in screen.findChildren(QWidget):
        if not (widget.isVisible() and widget.isEnabled()) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        for kind in kinds:
            if isinstance(widget, kind) and kind not in chosen:
                chosen[kind] = widget
    return list(chosen.values())


def active(window: MainWindow, qtbot) -> None:
    """The offscreen platform activates windows late (after a dialog closes): wait for it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def test_every_shortcut_works_with_any_widget_focused(window: MainWindow, qtbot) -> None:
    tried = 0
    for spec in NAVIGATION:
        window.show_screen(spec.key)
        QThreadPool.globalInstance().waitForDone(5000)
        qtbot.wait(10)
        for widget in [*focusable_widgets(window.screens[spec.key]), window.nav]:
            other = "families" if spec.key != "families" else "log"
            other_key = next(s.shortcut for s in NAVIGATION if s.key == other)[-1]
            active(window, qtbot)
            widget.setFocus()
            # Alt+digit: go to another screen, then back to this one.
            qtbot.keyClick(widget, getattr(Qt.Key, f"Key_{other_key}"), Qt.KeyboardModifier.AltModifier)
            assert window.current_key == other, (spec.key, type(widget).__name__)
            window.show_screen(spec.key)
            # Ctrl+N: the quick log, then closed again.
            widget.setFocus()
            qtbot.keyClick(widget, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
            assert window.quick_log is not None and window.quick_log.isVisible(), (
                spec.key,
                type(widget).__name__,
            )
            window.quick_log.reject()
            # F12 hides the screen and shows it again, from any widget.
            widget.setFocus()
            qtbot.keyClick(widget, Qt.Key.Key_F12)
            assert window.blanked, (spec.key, type(widget).__name__)
            qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F12)
            assert not window.blanked
            tried += 1
    assert tried >= 3 * len(NAVIGATION)


def test_lock_shortcut_works_from_a_list_and_a_text_box(window: MainWindow, qtbot) -> None:
    window.show_screen("log")
    table = window.screens["log"].table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked
