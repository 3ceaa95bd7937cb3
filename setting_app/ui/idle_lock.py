"""Auto-lock after idle time, the app-wide keys (lock, blank screen) and the covers laid over windows.

Idle time is measured by wall clock: each tick compares ``clock.now()`` with the time of the last
key or mouse use, so time a PC spends suspended counts too (a timer alone would not see it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from setting_app.domain.clock import SYSTEM_CLOCK, Clock

DEFAULT_TICK_MS = 5_000

#: Events that count as someone using the app.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)

#: Events a cover or the lock must keep away from the widgets behind it.
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.ContextMenu,
        QEvent.Type.TouchBegin,
        QEvent.Type.Shortcut,
    }
)

LOCK_KEYS = frozenset({(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)})
BLANK_KEYS = frozenset(
    {(Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_F12, Qt.KeyboardModifier.NoModifier)}
)
LOCK_SHORTCUT_TEXT = "Ctrl+L"
BLANK_SHORTCUT_TEXT = "F12"


def _key_of(event: QKeyEvent) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return Qt.Key(event.key()), Qt.KeyboardModifier(modifiers)


class ActivityFilter(QObject):
    """Installed on the QApplication: sees every key and mouse event in every window.

    The lock and blank-screen keys are handled here rather than as QAction shortcuts so that they
    work even while a modal dialog is open. ``blocker`` (if set) decides which input events to swallow
    while the screen is blanked or the casebook locked.
    """

    activity = Signal()
    lock_key_pressed = Signal()
    blank_key_pressed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocker: Callable[[QObject, QEvent], bool] | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind in ACTIVITY_EVENTS:
            self.activity.emit()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and isinstance(watched, QWidget):
            key = _key_of(event)
            if key in LOCK_KEYS:
                self.lock_key_pressed.emit()
                return True
            if key in BLANK_KEYS:
                if not event.isAutoRepeat():
                    self.blank_key_pressed.emit()
                return True
        if kind in INPUT_EVENTS and self.blocker is not None and self.blocker(watched, event):
            return True
        return super().eventFilter(watched, event)


class IdleLock(QObject):
    """Emits ``timed_out`` once the app has had no input for ``minutes`` of wall-clock time."""

    timed_out = Signal()

    def __init__(
        self,
        clock: Clock = SYSTEM_CLOCK,
        minutes: int = 5,
        *,
        tick_ms: int = DEFAULT_TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.minutes = minutes
        self.last_activity: datetime = clock.now()
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.check)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def set_minutes(self, minutes: int) -> None:
        self.minutes = max(1, int(minutes))

    def start(self) -> None:
        self.touch()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def touch(self) -> None:
        self.last_activity = self.clock.now()

    def idle_for(self) -> timedelta:
        return self.clock.now() - self.last_activity

    @Slot()
    def check(self) -> bool:
        """One tick: lock if the idle time has run out. Returns whether it timed out."""
        if not self.running or self.idle_for() < timedelta(minutes=self.minutes):
            return False
        self.stop()
        self.timed_out.emit()
        return True


class Cover(QWidget):
    """An opaque panel over a whole window (menus and status bar included), following its size."""

    def __init__(self, window: QWidget, message: str = "") -> None:
        super().__init__(window)
        self.setObjectName("cover")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._layout = QVBoxLayout(self)
        self._layout.addStretch(1)
        if message:
            label = QLabel(message, self)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            self._layout.addWidget(label)
            self.setAccessibleName(message)
        self._layout.addStretch(1)
        self._window = window
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def add_content(self, widget: QWidget) -> None:
        """Put ``widget`` (made with this cover as its parent) in the middle of the cover."""
        self._layout.insertWidget(1, widget, 0, Qt.AlignmentFlag.AlignHCenter)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._window and event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded):
            self.setGeometry(self._window.rect())
            self.raise_()
        return super().eventFilter(watched, event)

    def remove(self) -> None:
        self._window.removeEventFilter(self)
        self.hide()
        self.setParent(None)
        self.deleteLater()
