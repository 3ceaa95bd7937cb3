"""Confirm a received transfer file before importing it: who sent it, their signing key's fingerprint
(to check by phone), what it holds, and a new reference when the family's is taken here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.services import transfer
from setting_app.services.transfer import OpenedTransfer, ReceivedTransfer

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class TransferReceiveDialog(QDialog):
    def __init__(self, ctx: AppContext, opened: OpenedTransfer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.opened = opened
        self.received: ReceivedTransfer | None = None
        self.setWindowTitle("Receive a family's record")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        sealed = opened.sealed

        def shown(text: str, name: str) -> QLabel:
            label = QLabel(text)
            label.setWordWrap(True)
            label.setAccessibleName(name)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label

        form = QFormLayout()
        urn = f" ({sealed.sender_urn})" if sealed.sender_urn else ""
        form.addRow("From", shown(f"{sealed.sender_name}{urn}", "Sending setting"))
        self.fingerprint = shown(sealed.sender_fingerprint, "Sender's signing key fingerprint")
        self.fingerprint.setStyleSheet("font-family: monospace; font-weight: bold;")
        form.addRow("Sender's key", self.fingerprint)
        form.addRow("Sealed on", shown(sealed.sealed_on.strftime("%d/%m/%Y"), "Sealed on"))
        form.addRow("Family", shown(opened.family_ref, "Family reference in the file"))
        form.addRow("Holds", shown(opened.contents, "What the file holds"))
        self.taken = transfer.ref_taken(ctx.session, opened.family_ref)
        self.new_ref = QLineEdit()
        self.new_ref.setAccessibleName("Import under the reference")
        self.new_ref.setPlaceholderText(opened.family_ref)
        self.errors.add_row(form, "Import under &reference", self.new_ref, ("new reference", "ref"))
        if self.taken:
            self.errors.show(
                "new reference",
                f"{opened.family_ref} is already used here: give a new reference",
                focus=False,
            )

        intro = QLabel(
            "Ring the sending setting and check that their signing key fingerprint is the one below "
            "before you import this record."
        )
        intro.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.receive)
        buttons.addWidget(cancel)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(560, 360)

    def receive(self) -> bool:
        self.errors.clear()
        new_ref = self.new_ref.text().strip() or None
        try:
            if new_ref is None and transfer.ref_taken(self.ctx.session, self.opened.family_ref):
                raise ValidationError(
                    "new reference", f"{self.opened.family_ref} is already used here: give a new reference"
                )
            self.received = transfer.receive_family(self.ctx.session, self.opened, new_ref=new_ref)
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("families")
        self.accept()
        return True
