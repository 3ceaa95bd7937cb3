"""A seeded GUI monkey: random clicks, keys, shortcuts and typing on the real main window.

It drives whatever window is in front (the main window, a dialog, the lock screen), one action per
tick of a timer, so an action that opens a modal dialog does not stop it: the next actions happen
inside the dialog. Typing includes long, Unicode and control text. It locks and unlocks, hides and
shows the screen, and checks that text typed into the quick log survives both. An
event-loop watchdog (``setting_app.ui.watchdog``) times every action: an action is "answered" when
the UI thread serves events again.

It never lets a file dialog or print dialog stay open (it would write where a person's files are),
never presses buttons that change passphrases, restore backups, remove people or quit, and keeps the
passphrase it needs to unlock.

Used by ``tests/ui/test_monkey.py`` (a few hundred actions on a small demo casebook, in CI) and by
the benchmark (``python -m bench.gui_probe monkey``: longer, on the ten-year casebook).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from setting_app.ui.watchdog import StallWatchdog

#: Buttons the monkey never presses (they would lose the passphrase it needs, quit, or open files).
AVOID = re.compile(
    r"passphrase|restore|remove|recovery|quit|exit|rotate|erase|key file|print|replace|delete|send",
    re.IGNORECASE,
)
UNEXPECTED_TITLE = "Something went wrong"

TEXTS = (
    "FAM-0001",
    "smi",
    "o",
    "Zoë Ødegård-Łukasiewicz",
    "Ünïcödé 李小龍 مرحبا שלום 🙂👨‍👩‍👧",
    "a" * 600,
    "line one\nline two\n",
    "\t\x1b\x07\x01\x7f",
    "12/03/2024",
    "31/02/2025",
    "-1",
    "99999999",
    "'; DROP TABLE families; --",
    "%s %d {0} \\x00",
    "   ",
    "Robert'); SELECT 1;",
)
KEYS = (
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier),
    (Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_PageUp, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_6, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier),
)


@dataclass
class MonkeyResult:
    seed: int
    actions: int = 0
    #: (label, ms) of every action: how long the UI thread went without serving events during it.
    latencies: list[tuple[str, float]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    quick_log_checks: int = 0
    quick_log_lost: list[str] = field(default_factory=list)
    locks: int = 0
    hides: int = 0
    dialogs_closed: int = 0
    seconds: float = 0.0

    @property
    def worst(self) -> tuple[str, float]:
        return max(self.latencies, key=lambda item: item[1]) if self.latencies else ("", 0.0)

    def slow(self, bound_ms: float) -> list[tuple[str, float]]:
        return [(label, ms) for label, ms in self.latencies if ms > bound_ms]

    def summary(self) -> str:
        label, ms = self.worst
        return (
            f"seed {self.seed}: {self.actions} actions in {self.seconds:.1f} s; worst {ms:.0f} ms ({label}); "
            f"{self.locks} locks, {self.hides} hides, {self.quick_log_checks} quick-log checks, "
            f"{self.dialogs_closed} dialogs closed; unexpected errors: {len(self.unexpected)}"
        )


class Monkey:
    """``Monkey(window, passphrase).run(actions)`` returns a ``MonkeyResult``; the window is the app's
    ``MainWindow``, shown, unlocked."""

    def __init__(
        self,
        window,
        passphrase: str,
        *,
        seed: int = 1,
        watchdog: StallWatchdog | None = None,
        tick_ms: int = 1,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.window = window
        self.passphrase = passphrase
        self.rng = random.Random(seed)
        self.result = MonkeyResult(seed)
        self.watchdog = watchdog or StallWatchdog()
        self._own_watchdog = watchdog is None
        self.tick_ms = tick_ms
        self.log = log
        self._remaining = 0
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._done = False
        self._busy = False
        self._busy_modal: QWidget | None = None
        self._dialog_age: dict[int, int] = {}
        self._labels: list[tuple[str, str]] = []

    # --- running ---------------------------------------------------------------------------------

    def run(self, actions: int, *, timeout_s: float = 600.0) -> MonkeyResult:
        app = QApplication.instance()
        if self._own_watchdog:
            self.watchdog.start()
        self._remaining = actions
        started = time.perf_counter()
        self._timer.start(self.tick_ms)
        deadline = time.monotonic() + timeout_s
        while not self._done and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        self._timer.stop()
        self.watchdog.mark("after the last action")
        self._finish_cleanly()
        for _ in range(5):
            app.processEvents()
            time.sleep(0.002)
        self.watchdog.mark("")
        worst = self.watchdog.worst_by_label
        self.result.latencies = [(full, worst.get(label, 0.0)) for label, full in self._labels]
        self.result.seconds = time.perf_counter() - started
        if self._own_watchdog:
            self.watchdog.stop()
        return self.result

    def _tick(self) -> None:
        if self._remaining <= 0:
            self._done = True
            return
        # The next tick is due now: if this action opens a modal dialog (a nested event loop), the
        # monkey goes on inside it; events processed during an action do not start another.
        self._timer.start(self.tick_ms)
        modal = QApplication.activeModalWidget()
        if self._busy and modal is self._busy_modal:
            return
        self._remaining -= 1
        outer = (self._busy, self._busy_modal)
        self._busy, self._busy_modal = True, modal
        try:
            self._check_for_unexpected_error()
            name, action = self._choose()
            label = f"#{self.result.actions} {name}"
            self.result.actions += 1
            # Every gap from now until the next action is this action's (whatever ran it: the key
            # handler, a timer it started, a queued event, a worker's result arriving).
            self.watchdog.mark(label)
            detail = action()
            QApplication.processEvents()
            self._labels.append((label, f"{label}: {detail}" if detail else label))
            if self.log is not None:
                self.log(self._labels[-1][1])
            self._check_for_unexpected_error()
        finally:
            self._busy, self._busy_modal = outer

    # --- choosing --------------------------------------------------------------------------------

    def _front(self) -> QWidget:
        """The window the person would be typing into."""
        modal = QApplication.activeModalWidget()
        if modal is not None and modal.isVisible():
            return modal
        dialogs = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and w.isWindow()
        ]
        return dialogs[-1] if dialogs else self.window

    def _choose(self) -> tuple[str, Callable[[], str]]:
        front = self._front()
        if isinstance(front, QFileDialog) or type(front).__name__ in ("QPrintDialog", "QPageSetupDialog"):
            return "close file dialog", lambda: self._close(front)
        if front is not self.window:
            age = self._dialog_age.get(id(front), 0) + 1
            self._dialog_age[id(front)] = age
            if age > 25 and not (isinstance(front, QMessageBox) and front.windowTitle() == UNEXPECTED_TITLE):
                return "close old dialog", lambda: self._close(front)
        if self.window.locked:
            return "unlock", self._unlock
        if self.window.blanked:
            return "show screen", lambda: self._key(self.window, Qt.Key.Key_F12)
        roll = self.rng.random()
        if roll < 0.30:
            return "click", lambda: self._click(front)
        if roll < 0.55:
            return "key", lambda: self._random_key(front)
        if roll < 0.72:
            return "type", lambda: self._type(front)
        if roll < 0.80:
            return "list", lambda: self._list_action(front)
        if roll < 0.86:
            return "screen", self._go_somewhere
        if roll < 0.90:
            return "lock and unlock", self._lock_round_trip
        if roll < 0.94:
            return "hide and show", self._hide_round_trip
        if roll < 0.97:
            return "quick log round trip", self._quick_log_round_trip
        return "right-click bars", self._right_click_bars

    # --- actions ---------------------------------------------------------------------------------

    def _widgets(self, front: QWidget, kinds: tuple[type, ...]) -> list[QWidget]:
        found = []
        for widget in front.findChildren(QWidget):
            if not isinstance(widget, kinds) or not (widget.isVisible() and widget.isEnabled()):
                continue
            if isinstance(widget, QAbstractButton) and AVOID.search(
                f"{widget.text()} {widget.accessibleName()} {widget.toolTip()}"
            ):
                continue
            found.append(widget)
        return found

    def _click(self, front: QWidget) -> str:
        kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QTabBar, QPlainTextEdit, QTextEdit)
        widgets = self._widgets(front, kinds)
        if not widgets:
            return "nothing to click"
        widget = self.rng.choice(widgets)
        if isinstance(widget, QAbstractItemView):
            target = widget.viewport()
            rect = target.rect()
            point = QPoint(
                self.rng.randrange(max(rect.width(), 1)), self.rng.randrange(max(rect.height(), 1))
            )
            if self.rng.random() < 0.3:
                QTest.mouseDClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
                return f"double-click {widget.accessibleName() or type(widget).__name__}"
            QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
            return f"click in {widget.accessibleName() or type(widget).__name__}"
        if isinstance(widget, QComboBox) and widget.count():
            widget.setFocus()
            widget.setCurrentIndex(self.rng.randrange(widget.count()))
            return f"choose in {widget.accessibleName() or 'combo'}"
        if isinstance(widget, QTabBar) and widget.count():
            widget.setCurrentIndex(self.rng.randrange(widget.count()))
            return f"tab {widget.tabText(widget.currentIndex())}"
        QTest.mouseClick(
            widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget.rect().center()
        )
        text = widget.text() if isinstance(widget, QAbstractButton) else widget.accessibleName()
        return f"click {type(widget).__name__} {text!r}"[:80]

    def _focus_target(self, front: QWidget) -> QWidget:
        focus = QApplication.focusWidget()
        if focus is not None and (focus is front or front.isAncestorOf(focus)) and focus.isVisible():
            return focus
        inputs = self._widgets(
            front, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractItemView, QAbstractSpinBox, QComboBox)
        )
        target = self.rng.choice(inputs) if inputs else front
        target.setFocus()
        return target

    def _random_key(self, front: QWidget) -> str:
        key, modifier = self.rng.choice(KEYS)
        target = self._focus_target(front)
        self._key(target, key, modifier)
        return f"{key_name(key, modifier)} on {type(target).__name__}"

    def _key(self, target: QWidget, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> str:
        if shiboken6.isValid(target):
            QTest.keyClick(target, key, modifier)
        return ""

    def _type(self, front: QWidget) -> str:
        text = self.rng.choice(TEXTS)
        target = self._focus_target(front)
        for char in text:
            if not shiboken6.isValid(target) or not target.isVisible():
                break
            if char == "\n":
                QTest.keyClick(target, Qt.Key.Key_Return)
            elif char == "\t":
                QTest.keyClick(target, Qt.Key.Key_Tab)
            elif " " <= char <= "~":
                QTest.keyClicks(target, char)
            else:  # Unicode and control characters arrive as text on an unknown key (as from an IME)
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                    QApplication.sendEvent(target, event)
            QApplication.processEvents()  # each key is answered before the next (timed one by one)
        return f"type {len(text)} chars into {type(target).__name__}"

    def _list_action(self, front: QWidget) -> str:
        views = self._widgets(front, (QAbstractItemView,))
        if not views:
            return "no list"
        view = self.rng.choice(views)
        view.setFocus()
        key = self.rng.choice(
            (Qt.Key.Key_End, Qt.Key.Key_Home, Qt.Key.Key_PageDown, Qt.Key.Key_A, Qt.Key.Key_Z, Qt.Key.Key_F)
        )
        QTest.keyClick(view, key)
        bar = view.verticalScrollBar()
        bar.setValue(self.rng.randrange(max(bar.maximum(), 0) + 1))
        header = getattr(view, "horizontalHeader", None)
        if header is not None and self.rng.random() < 0.5:
            h = header()
            if h.count():
                section = self.rng.randrange(h.count())
                QTest.mouseClick(
                    h.viewport(),
                    Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier,
                    QPoint(h.sectionViewportPosition(section) + 3, 3),
                )
        return f"{key_name(key)} and scroll in {view.accessibleName() or type(view).__name__}"

    def _go_somewhere(self) -> str:
        digit = self.rng.randrange(1, 8)
        QTest.keyClick(self.window, getattr(Qt.Key, f"Key_{digit}"), Qt.KeyboardModifier.AltModifier)
        return f"Alt+{digit} -> {self.window.current_key}"

    def _quick_log_note(self) -> str | None:
        dialog = self.window.quick_log
        if dialog is None or not shiboken6.isValid(dialog) or not dialog.isVisible():
            return None
        note = getattr(dialog, "note", None)
        return note.toPlainText() if note is not None else None

    def _check_quick_log(self, before: str | None, what: str) -> None:
        after = self._quick_log_note()
        if before is None:
            return
        self.result.quick_log_checks += 1
        if after != before:
            self.result.quick_log_lost.append(f"{what}: {before[:40]!r} became {after!r}"[:200])

    def _lock(self) -> None:
        QTest.keyClick(
            QApplication.focusWidget() or self.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
        )
        if not self.window.locked:  # the key went to a window the filter does not see: use the menu
            self.window.lock_action.trigger()
        self.result.locks += 1

    def _unlock(self) -> str:
        panel = self.window.lock_panel
        if not panel.busy:
            panel.passphrase.setText(self.passphrase)
            QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)
        # A real key derivation runs on a worker thread: wait for it with the event loop running.
        deadline = time.monotonic() + 30
        while self.window.locked and panel.busy and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.002)
        return "unlocked" if not self.window.locked else "still locked"

    def _lock_round_trip(self) -> str:
        before = self._quick_log_note()
        self._lock()
        QApplication.processEvents()
        detail = self._unlock()
        QApplication.processEvents()
        self._check_quick_log(before, "lock")
        return detail

    def _hide_round_trip(self) -> str:
        before = self._quick_log_note()
        QTest.keyClick(QApplication.focusWidget() or self.window, Qt.Key.Key_F12)
        self.result.hides += 1
        for _ in range(self.rng.randrange(3)):  # keys while hidden go nowhere
            QTest.keyClicks(QApplication.focusWidget() or self.window, "xyz")
        QApplication.processEvents()
        if self.window.blanked:
            QTest.keyClick(QApplication.focusWidget() or self.window, Qt.Key.Key_F12)
        self._check_quick_log(before, "hide")
        return "hidden and shown" if not self.window.blanked else "still hidden"

    def _quick_log_round_trip(self) -> str:
        dialog = self.window.open_quick_log()
        if dialog is None:
            return "no quick log"
        text = self.rng.choice(TEXTS[3:8])
        dialog.note.setFocus()
        dialog.note.insertPlainText(text)
        typed = dialog.note.toPlainText()
        self._lock()
        self._unlock()
        QApplication.processEvents()
        self._check_quick_log(typed, "lock")
        QTest.keyClick(self.window, Qt.Key.Key_F12)
        QTest.keyClick(self.window, Qt.Key.Key_F12)
        self.result.hides += 1
        self._check_quick_log(typed, "hide")
        return f"{len(typed)} chars kept"

    def _right_click_bars(self) -> str:
        from PySide6.QtGui import QContextMenuEvent

        self.window._close_popups()  # a combo's list or a completer left open by an earlier action
        for widget in (self.window.toolbar, self.window.menuBar()):
            event = QContextMenuEvent(
                QContextMenuEvent.Reason.Mouse, QPoint(4, 4), widget.mapToGlobal(QPoint(4, 4))
            )
            QApplication.sendEvent(widget, event)
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
            self.result.unexpected.append("a right-click menu appeared on the tool bar or menu bar")
        if not self.window.toolbar.isVisible() and not self.window.locked:
            self.result.unexpected.append("the tool bar was hidden")
            self.window.toolbar.show()
        return ""

    def _close(self, dialog: QWidget) -> str:
        self.result.dialogs_closed += 1
        if isinstance(dialog, QDialog):
            dialog.reject()
        else:
            dialog.close()
        return type(dialog).__name__

    # --- checks ----------------------------------------------------------------------------------

    def _check_for_unexpected_error(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if (
                isinstance(widget, QMessageBox)
                and widget.isVisible()
                and widget.windowTitle() == UNEXPECTED_TITLE
                and widget.property("monkey_seen") is None
            ):
                widget.setProperty("monkey_seen", True)
                self.result.unexpected.append(f"{widget.text()} {widget.informativeText()}")
                widget.close()

    def _finish_cleanly(self) -> None:
        if self.window.blanked:
            self.window.toggle_blank()
        if self.window.locked:
            self._unlock()
        for widget in QApplication.topLevelWidgets():
            if widget is not self.window and isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()


def key_name(key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> str:
    from PySide6.QtGui import QKeySequence

    return QKeySequence(int(key.value) | int(modifier.value)).toString() or str(key)
