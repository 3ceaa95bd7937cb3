"""Records → Transfers (managers): this setting's transfer key, sending a family's record to another
setting, receiving one, and the register of transfers in and out.

The key fingerprint is what two managers read to each other on the phone; the key file is what a
sending setting needs (``services.transfer_keys``). Sending and receiving happen in dialogs
(``ui/dialogs/transfer_*``); every refusal is a plain message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.services import transfer, transfer_keys

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.transfer_receive_dialog import TransferReceiveDialog
from setting_app.ui.dialogs.transfer_send_dialog import TRANSFER_FILTER, TransferSendDialog
from setting_app.ui.errors import reporting_errors

KEY_FILE_FILTER = "Transfer key files (*.json);;All files (*)"


def choose_key_file_target(parent: QWidget, suggested: str) -> Path | None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save this setting's transfer key file", str(Path(folder) / suggested), KEY_FILE_FILTER
    )
    if not path:
        return None
    return Path(path if path.endswith(".json") else f"{path}.json")


def _choose_transfer_file(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Choose the transfer file to receive", "", TRANSFER_FILTER)
    return Path(path) if path else None


def _confirm_new_key(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "The sender's key has changed",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def key_file_name(setting_name: str) -> str:
    stem = "".join(ch if ch.isalnum() else "-" for ch in setting_name.lower()).strip("-") or "setting"
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem}-transfer-key.json"


class TransferTab(QWidget):
    #: A transfer file was written (the ``SentTransfer``).
    sent = Signal(object)
    #: A family arrived (the ``ReceivedTransfer``).
    received = Signal(object)

    WHEN, DIRECTION, FAMILY, OTHER, KEY, CONTENTS, BY = range(7)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        choose_key_target: Callable[[QWidget, str], Path | None] = choose_key_file_target,
        choose_transfer_file: Callable[[QWidget], Path | None] = _choose_transfer_file,
        send_dialog: Callable[[AppContext, QWidget], TransferSendDialog] = lambda c, p: TransferSendDialog(
            c, p
        ),
        receive_dialog: Callable[..., TransferReceiveDialog] = lambda c, o, p: TransferReceiveDialog(c, o, p),
        confirm_new_key: Callable[[QWidget, str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.choose_key_file_target = choose_key_target
        self._choose_transfer_file = choose_transfer_file
        self._make_send_dialog = send_dialog
        self._make_receive_dialog = receive_dialog
        self._confirm_new_key = confirm_new_key or _confirm_new_key
        self.send_dialog: TransferSendDialog | None = None
        self.receive_dialog: TransferReceiveDialog | None = None

        intro = QLabel(
            "Move a family's record to another setting that uses this app, or receive one. The receiving "
            "setting gives you its key file; the file you send can only be opened by them, and they can "
            "check it came from you. Read key fingerprints to each other by phone."
        )
        intro.setWordWrap(True)
        self.fingerprint = QLabel("")
        self.fingerprint.setAccessibleName("This setting's transfer key fingerprint")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setStyleSheet("font-family: monospace; font-weight: bold;")
        self.signing = QLabel("")
        self.signing.setAccessibleName("This setting's signing key fingerprint")
        self.signing.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signing.setStyleSheet("font-family: monospace;")
        self.save_key_button = QPushButton("Sa&ve my transfer key file…")
        self.save_key_button.clicked.connect(self.save_key_file)
        self.send_button = QPushButton("Se&nd a family…")
        self.send_button.clicked.connect(self.send_family)
        self.receive_button = QPushButton("Recei&ve a file…")
        self.receive_button.clicked.connect(self.receive_file)

        keys = QVBoxLayout()
        keys.addWidget(QLabel("This setting's transfer key fingerprint (give it with the key file):"))
        keys.addWidget(self.fingerprint)
        keys.addWidget(QLabel("This setting's signing key fingerprint (receivers check files against it):"))
        keys.addWidget(self.signing)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_key_button)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.receive_button)
        buttons.addStretch(1)

        self.table = QTreeWidget()
        self.table.setAccessibleName("Transfers in and out")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            ["Date", "In or out", "Family", "Other setting", "Their key fingerprint", "What it held", "By"]
        )
        header = self.table.header()
        for column in (self.WHEN, self.DIRECTION, self.FAMILY, self.OTHER, self.KEY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Last transfer")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(keys)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Transfers in and out:"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)
        ctx.locked_changed.connect(self._on_locked_changed)

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            self._clear()
            return
        with reporting_errors(self, "Could not show the transfers"):
            keys = transfer_keys.my_keys(self.ctx.session)
            self.fingerprint.setText(keys.fingerprint)
            self.signing.setText(keys.signing_fingerprint)
            rows = transfer.list_transfers(self.ctx.session)
            self.table.clear()
            for t in rows:
                out = t.direction == "out"
                when = t.sealed_on if out else (t.received_on or t.sealed_on)
                item = QTreeWidgetItem(
                    [
                        when.strftime("%d/%m/%Y"),
                        "Sent" if out else "Received",
                        t.family_ref,
                        t.other_setting_name + (f" ({t.other_setting_urn})" if t.other_setting_urn else ""),
                        t.other_key_fingerprint,
                        t.contents + (" (restricted included)" if t.restricted_included else ""),
                        t.recorded_by_name,
                    ]
                )
                item.setData(self.WHEN, Qt.ItemDataRole.UserRole, t.id)
                self.table.addTopLevelItem(item)

    def save_key_file(self) -> Path | None:
        path = self.choose_key_file_target(self, key_file_name(self.ctx.setting.name))
        if path is None:
            return None
        with reporting_errors(self, "Could not save the key file"):
            keys = transfer_keys.write_key_file(self.ctx.session, path)
            self.result.setText(
                f"Saved the key file to {path}. Give it to the setting sending you a record, and read them "
                f"the fingerprint {keys.fingerprint}."
            )
            self.refresh()
            return path
        return None

    def send_family(self, family_id: int | None = None) -> TransferSendDialog:
        dialog = self._make_send_dialog(self.ctx, self)
        if family_id:
            dialog.family.set_family(family_id)
        dialog.accepted.connect(lambda: self._after_send(dialog))
        self.send_dialog = dialog
        dialog.open()
        return dialog

    def receive_file(self, path: Path | None = None) -> TransferReceiveDialog | None:
        """Check the chosen file (signature, key, replay) and ask for confirmation before importing."""
        path = path or self._choose_transfer_file(self)
        if path is None:
            return None
        with reporting_errors(self, "Could not receive that file"):
            try:
                opened = transfer.open_transfer(self.ctx.session, path)
            except transfer.SenderKeyChanged as changed:
                question = (
                    f"{changed.sender_name} has sent files signed with the key\n{changed.known_fingerprint}\n\n"
                    f"This file is signed with a different key:\n{changed.new_fingerprint}\n\n"
                    "That happens when a setting reinstalls the app, or when someone else uses its name. "
                    "Have you phoned them and checked that this new fingerprint is theirs?"
                )
                if not self._confirm_new_key(self, question):
                    self.result.setText("Nothing was imported: the sender's new key was not confirmed.")
                    return None
                opened = transfer.open_transfer(
                    self.ctx.session, path, expect_fingerprint=changed.new_fingerprint
                )
            dialog = self._make_receive_dialog(self.ctx, opened, self)
            dialog.accepted.connect(lambda: self._after_receive(dialog))
            self.receive_dialog = dialog
            dialog.open()
            return dialog
        return None

    # --- internals -------------------------------------------------------------------------------

    def _after_send(self, dialog: TransferSendDialog) -> None:
        if dialog.sent is None:
            return
        self.result.setText(dialog.sent.sentence())
        self.refresh()
        self.sent.emit(dialog.sent)

    def _after_receive(self, dialog: TransferReceiveDialog) -> None:
        if dialog.received is None:
            return
        self.result.setText(dialog.received.sentence())
        self.refresh()
        self.received.emit(dialog.received)

    def _clear(self) -> None:
        self.table.clear()
        self.fingerprint.clear()
        self.signing.clear()
        self.result.clear()

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            for dialog in (self.send_dialog, self.receive_dialog):
                if dialog is not None:
                    dialog.reject()
            self._clear()
