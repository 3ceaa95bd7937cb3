"""Records → Backups (managers): make a backup now, restore one, and see how old the last backup is.

A backup is a consistent encrypted snapshot with the key slots inside (``services/backup.py``).
Restoring checks the whole backup first, then asks for confirmation; the casebook is closed, the
backup put in its place (the replaced casebook is kept in ``replaced-by-restore``) and the
casebook opened again with the same passphrase. A reminder shows when no backup is younger than
seven days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError
from setting_app.services import backup, casebook
from setting_app.services.backup import BACKUP_REMINDER_DAYS, BackupInfo

from setting_app.ui.context import AppContext
from setting_app.ui.workers import BackgroundTask, report_error, run_with_session

BACKUP_FILTER = "Family Support Log backups (*.fslbackup);;All files (*)"


def _choose_backup_target(parent: QWidget, suggested: str) -> Path | None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save the backup", str(Path(folder) / suggested), BACKUP_FILTER
    )
    if not path:
        return None
    return Path(path if path.endswith(".fslbackup") else f"{path}.fslbackup")


def _choose_backup_file(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Choose the backup to restore", "", BACKUP_FILTER)
    return Path(path) if path else None


def _ask_passphrase(parent: QWidget, username: str) -> str | None:
    text, ok = QInputDialog.getText(
        parent,
        "Restore a backup",
        f"Passphrase for {username} as it was when the backup was made (usually your current one):",
        QLineEdit.EchoMode.Password,
    )
    return text if ok and text else None


def _confirm(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Restore this backup?",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y at %H:%M")


def _age_text(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


class BackupTab(QWidget):
    #: A backup was written (its ``BackupInfo``).
    backup_made = Signal(object)
    #: A backup was not made (the message shown).
    backup_failed = Signal(str)
    #: The casebook was replaced by a backup (its ``BackupInfo``).
    restored = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        choose_target: Callable[[QWidget, str], Path | None] = _choose_backup_target,
        choose_backup: Callable[[QWidget], Path | None] = _choose_backup_file,
        ask_passphrase: Callable[[QWidget, str], str | None] = _ask_passphrase,
        confirm: Callable[[QWidget, str], bool] = _confirm,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._choose_target = choose_target
        self._choose_backup = choose_backup
        self._ask_passphrase = ask_passphrase
        self._confirm = confirm

        intro = QLabel(
            "A backup is one encrypted file holding the whole casebook and the staff passphrases' key slots. "
            "Keep it somewhere other than this PC (for example an encrypted USB stick kept locked away). "
            "The same passphrases and the recovery code open it."
        )
        intro.setWordWrap(True)
        self.last_backup = QLabel("")
        self.last_backup.setAccessibleName("Last backup")
        self.last_backup.setWordWrap(True)
        self.reminder = QLabel("")
        self.reminder.setAccessibleName("Backup reminder")
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("font-weight: bold;")
        self.backup_button = QPushButton("&Back up now…")
        self.backup_button.setAccessibleName("Back up the casebook now")
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setAccessibleName("Restore the casebook from a backup")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Backup result")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.last_backup)
        layout.addWidget(self.reminder)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

        self.backup_button.clicked.connect(self.back_up)
        self.restore_button.clicked.connect(self.restore)
        ctx.locked_changed.connect(self._on_locked_changed)

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show when the last backup was made and, if it is over seven days old (or none), a reminder."""
        if not self.ctx.is_unlocked:
            return
        session = self.ctx.session
        last = backup.last_backup_at(session)
        if last is None:
            self.last_backup.setText("No backup of this casebook has been made yet.")
            self.reminder.setText("Make a backup now, and then at least once a week.")
            return
        days = (session.clock.now() - last).days
        self.last_backup.setText(f"Last backup: {_when(last)} UTC ({_age_text(days)}).")
        if backup.backup_reminder(session) is not None:
            self.reminder.setText(
                f"The last backup is {days} days old: make a new one now. "
                f"Back up at least every {BACKUP_REMINDER_DAYS} days."
            )
        else:
            self.reminder.setText("")

    def back_up(self) -> BackgroundTask | None:
        """Ask where, then write the backup there on a worker thread (a big casebook takes seconds).

        The result arrives as ``backup_made`` (with its ``BackupInfo``) or ``backup_failed`` (the
        message shown); None when nothing was started.
        """
        try:
            session = self.ctx.session
            session.require_manager("make backups")
        except AppError as exc:
            self.result.setText(exc.message)
            return None
        suggested = f"casebook-backup-{session.clock.now().strftime('%Y%m%d-%H%M')}.fslbackup"
        target = self._choose_target(self, suggested)
        if target is None:
            return None
        self._set_busy(True)
        self.result.setText(f"Backing up to {target}… You can carry on working.")
        return run_with_session(
            self.ctx, lambda worker: backup.make_backup(worker, target), self._backed_up, self._backup_failed
        )

    def _backed_up(self, info: BackupInfo) -> None:
        self._set_busy(False)
        size = info.size_bytes / (1024 * 1024)
        self.result.setText(f"Backup saved to {info.path} ({size:.1f} MB).")
        self.refresh()
        self.backup_made.emit(info)

    def _backup_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, AppError):
            self.result.setText("No backup was made.")
            report_error(error)
            return
        message = f"No backup was made. {error.message}"
        self.result.setText(message)
        self.backup_failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self.backup_button.setEnabled(not busy)
        self.restore_button.setEnabled(not busy)

    def restore(self) -> BackupInfo | None:
        """Check a backup fully, confirm, then put it in place of the casebook and reopen it."""
        try:
            session = self.ctx.session
            session.require_manager("restore backups")
        except AppError as exc:
            self.result.setText(exc.message)
            return None
        path = self._choose_backup(self)
        if path is None:
            return None
        username = session.user.username
        passphrase = self._ask_passphrase(self, username)
        if passphrase is None:
            return None
        try:
            info = backup.check_backup(path, username, passphrase)
        except AppError as exc:
            self.result.setText(f"Nothing was restored. {exc.message}")
            return None
        question = (
            f"The backup made {_when(info.created_at)} UTC by {info.created_by or 'someone'} for "
            f"{info.setting_name} was checked and is whole.\n\nRestoring it replaces the casebook: anything "
            "recorded since then will not be in it (the current casebook is kept in the data folder, under "
            f"'{backup.REPLACED_DIR}'). The casebook closes and opens again.\n\nRestore it now?"
        )
        if not self._confirm(self, question):
            self.result.setText("Nothing was restored.")
            return None
        return self._swap_in(path, username, passphrase)

    # --- internals -------------------------------------------------------------------------------

    def _swap_in(self, path: Path, username: str, passphrase: str) -> BackupInfo | None:
        session = self.ctx.session
        data_dir, clock = session.data_dir, session.clock
        session.close()
        self.ctx.set_session(None)
        try:
            info, kept = backup.restore_backup(
                data_dir, path, username, passphrase, clock=clock, app_holds_lock=True
            )
        except AppError as exc:
            self._reopen(data_dir, username, passphrase, clock)
            self.result.setText(f"Nothing was restored. {exc.message}")
            return None
        if not self._reopen(data_dir, username, passphrase, clock):
            return None
        where = f" The replaced casebook is kept in {kept}." if kept else ""
        self.result.setText(f"Restored the backup made {_when(info.created_at)} UTC.{where}")
        self.refresh()
        self.restored.emit(info)
        return info

    def _reopen(self, data_dir: Path, username: str, passphrase: str, clock) -> bool:
        try:
            self.ctx.set_session(casebook.unlock(data_dir, username, passphrase, clock=clock))
        except AppError as exc:
            self.result.setText(
                f"The casebook could not be opened again: {exc.message} Close Family Support Log and open it again."
            )
            return False
        return True

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self.last_backup.setText("")
            self.reminder.setText("")
        else:
            self.refresh()
