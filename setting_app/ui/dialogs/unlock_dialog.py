"""Unlocking the casebook: username and passphrase, with the services' plain messages in the window.

``UnlockPanel`` is the form itself; the start-up ``UnlockDialog`` and the main window's locked view
both use it. On failure the message stays in the panel, the passphrase is cleared and the
username kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError
from setting_app.services import casebook
from setting_app.services.session import Session

from setting_app.ui.workers import report_error, run_in_background

log = logging.getLogger("setting_app.ui")

#: Key derivations costing more than this (KiB of memory x passes) run on a worker thread: the
#: production Argon2id (64 MiB x 3) does; the tests' cheap one does not.
BACKGROUND_KDF_COST = 8 * 1024


class UnlockPanel(QWidget):
    unlocked = Signal(object)  # the new Session

    def __init__(
        self,
        data_dir: Path,
        clock: Clock = SYSTEM_CLOCK,
        *,
        username: str = "",
        heading: str = "Unlock the casebook",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.clock = clock
        self.setObjectName("unlockPanel")
        self.setMinimumWidth(360)
        self.setMaximumWidth(520)

        self.heading = QLabel(heading)
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)  # relative to the system font, never fixed
        font.setBold(True)
        self.heading.setFont(font)

        self.username = QLineEdit(username)
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("for example jsmith")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        self.error.setAccessibleName("Unlock problem")
        self.error.hide()
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAccessibleName("Unlock")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the key derivation cannot say how far it is
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.setAccessibleName("Unlocking")
        self.progress.hide()
        self.busy = False

        form = QFormLayout()
        form.addRow("&Username:", self.username)
        form.addRow("&Passphrase:", self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)
        self.setTabOrder(self.username, self.passphrase)
        self.setTabOrder(self.passphrase, self.unlock_button)

        self.unlock_button.clicked.connect(self.try_unlock)
        self.username.returnPressed.connect(self.passphrase.setFocus)
        self.passphrase.returnPressed.connect(self.try_unlock)

    def focus_first_empty(self) -> None:
        (self.passphrase if self.username.text().strip() else self.username).setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setAccessibleDescription(message)
        self.error.show()

    def reset(self, username: str | None = None) -> None:
        if username is not None:
            self.username.setText(username)
        self.passphrase.clear()
        self.error.hide()
        self.focus_first_empty()

    def try_unlock(self) -> Session | None:
        """Run the core's unlock; on failure show its message and clear only the passphrase.

        With a real key derivation (Argon2id, 64 MiB: 0.2 s on a quiet PC, a second on a busy one)
        the unlock runs on a worker thread and ``unlocked`` comes later (None is returned); a cheap
        one (tests) runs here and returns the session."""
        if self.busy:
            return None
        if self._derivation_is_slow(self.username.text()):
            self._unlock_in_background()
            return None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            session = casebook.unlock(
                self.data_dir, self.username.text(), self.passphrase.text(), clock=self.clock
            )
        except AppError as error:
            log.info("unlock refused (%s)", type(error).__name__)
            self.passphrase.clear()
            self.show_error(error.message)
            self.focus_first_empty()
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        log.info("unlocked")
        self.passphrase.clear()
        self.error.hide()
        self.unlocked.emit(session)
        return session

    def _derivation_is_slow(self, username: str) -> bool:
        cost = casebook.key_derivation_cost(self.data_dir, username)
        return cost is not None and cost >= BACKGROUND_KDF_COST

    def _unlock_in_background(self) -> None:
        data_dir, clock = self.data_dir, self.clock
        username, passphrase = self.username.text(), self.passphrase.text()
        self.passphrase.clear()

        def work() -> tuple:
            session = casebook.unlock(data_dir, username, passphrase, clock=clock)
            try:  # the connection belongs to this thread: the UI thread opens its own
                return (session.user, session.setting, session.data_dir, session.clock, *session.key_copies())
            finally:
                session.close()

        self._set_busy(True)
        run_in_background(work, self._opened_in_background, self._failed_in_background)

    def _opened_in_background(self, found: tuple) -> None:
        user, setting, data_dir, clock, key, manager_key = found
        if not shiboken6.isValid(self):
            key[:] = bytes(len(key))
            manager_key[:] = bytes(len(manager_key))
            return
        self._set_busy(False)
        session = Session(None, user, setting, data_dir, clock, key)  # type: ignore[arg-type]
        try:
            session.adopt_connection(manager_key)
        except AppError as error:
            session.close()
            self._refused(error)
            return
        log.info("unlocked")
        self.error.hide()
        self.unlocked.emit(session)

    def _failed_in_background(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        if isinstance(error, AppError):
            self._refused(error)
        else:
            report_error(error)

    def _refused(self, error: AppError) -> None:
        log.info("unlock refused (%s)", type(error).__name__)
        self.passphrase.clear()
        self.show_error(error.message)
        self.focus_first_empty()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.username, self.passphrase, self.unlock_button):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.error.hide()
        else:
            self.focus_first_empty()


class UnlockDialog(QDialog):
    """At start-up: the unlock form in its own window. ``session`` is set once it succeeds."""

    def __init__(
        self,
        data_dir: Path,
        clock: Clock = SYSTEM_CLOCK,
        *,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Family Support Log — unlock")
        self.session: Session | None = None
        self.panel = UnlockPanel(data_dir, clock, username=username, parent=self)
        where = QLabel(f"Casebook folder: {data_dir}")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cancel = QPushButton("&Close")
        cancel.setAccessibleName("Close without unlocking")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(where)
        layout.addWidget(cancel, 0, Qt.AlignmentFlag.AlignRight)
        self.setTabOrder(self.panel.unlock_button, cancel)
        self.panel.unlocked.connect(self._on_unlocked)
        self.panel.focus_first_empty()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.panel.focus_first_empty()  # the username is often filled in: start on the passphrase

    def _on_unlocked(self, session: Session) -> None:
        self.session = session
        self.accept()
