"""Send a family's record to another setting: pick the family and the receiver's key file, record the
consent or lawful basis, choose what goes, then seal and save the file (``services.transfer``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import LawfulBasis
from setting_app.services import agreements, families, transfer, transfer_keys
from setting_app.services.transfer_keys import SettingKeys

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.family_picker import FamilyPicker
from setting_app.ui.widgets.field_errors import FieldErrors, error_label

KEY_FILTER = "Transfer key files (*.json);;All files (*)"
TRANSFER_FILTER = "Transfer files (*.transfer);;All files (*)"


def choose_key_file(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Choose the receiving setting's key file", "", KEY_FILTER)
    return Path(path) if path else None


def choose_transfer_target(parent: QWidget, suggested: str) -> Path | None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save the transfer file", str(Path(folder) / suggested), TRANSFER_FILTER
    )
    if not path:
        return None
    return Path(path if path.endswith(".transfer") else f"{path}.transfer")


class TransferSendDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        family_id: int | None = None,
        choose_key: Callable[[QWidget], Path | None] = choose_key_file,
        choose_target: Callable[[QWidget, str], Path | None] = choose_transfer_target,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._choose_key = choose_key
        self._choose_target = choose_target
        self.receiver: SettingKeys | None = None
        self.sent: transfer.SentTransfer | None = None
        self.setWindowTitle("Send a family's record to another setting")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        form = QFormLayout()

        def row(
            caption: str, widget: QWidget, names: str | tuple[str, ...], shown: QWidget | None = None
        ) -> None:
            self.errors.add_row(form, caption, widget, names, shown=shown)

        def line(name: str, placeholder: str = "") -> QLineEdit:
            edit = QLineEdit()
            edit.setAccessibleName(name)
            edit.setPlaceholderText(placeholder)
            return edit

        self.family = FamilyPicker(ctx)
        if family_id is not None:
            self.family.set_family(family_id)
        row("&Family", self.family, "family")

        self.key_button = QPushButton("Choose the receiver's &key file…")
        self.key_button.setAccessibleName("Choose the receiving setting's key file")
        self.key_button.clicked.connect(self.choose_receiver)
        self.receiver_label = QLabel("No key file chosen.")
        self.receiver_label.setWordWrap(True)
        self.receiver_label.setAccessibleName("Receiving setting")
        key_row = QWidget()
        key_layout = QHBoxLayout(key_row)
        key_layout.setContentsMargins(0, 0, 0, 0)
        key_layout.addWidget(self.key_button)
        key_layout.addWidget(self.receiver_label, 1)
        row("&Receiver", self.key_button, "receiver", key_row)

        self.by_consent = QRadioButton("The family &consented")
        self.by_basis = QRadioButton("&Another lawful basis (without consent)")
        self.by_consent.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_consent)
        group.addButton(self.by_basis)
        basis_row = QWidget()
        basis_layout = QHBoxLayout(basis_row)
        basis_layout.setContentsMargins(0, 0, 0, 0)
        basis_layout.addWidget(self.by_consent)
        basis_layout.addWidget(self.by_basis)
        basis_layout.addStretch(1)
        form.addRow("Relies on", basis_row)
        self.consent_by = line("Consent given by", "Who gave consent")
        row("Consent given &by", self.consent_by, ("consent given by", "consent"))
        self.basis = QComboBox()
        self.basis.setAccessibleName("Lawful basis")
        for basis in LawfulBasis:
            if basis is not LawfulBasis.CONSENT:
                self.basis.addItem(basis.label, basis.value)
        row("&Lawful basis", self.basis, "lawful basis")
        self.reason = line("Why, on that basis")
        row("W&hy", self.reason, "reason")
        self.purpose = line("Purpose of the transfer", transfer.DEFAULT_PURPOSE)
        row("&Purpose", self.purpose, "purpose")

        self.all_referrals = QCheckBox("Include &closed referrals (open ones always go)")
        form.addRow("", self.all_referrals)
        self.include_restricted = QCheckBox("Include &restricted (safeguarding) records")
        form.addRow("", self.include_restricted)
        self.restricted_reason = line("Why restricted records go")
        row("Why restricted &go", self.restricted_reason, "restricted reason")

        self.agreement = QComboBox()
        self.agreement.setAccessibleName("Data-sharing agreement")
        self.agreement.addItem("The agreement covering the receiver (if there is one)", None)
        try:
            for a in agreements.list_agreements(ctx.session, include_ended=False):
                self.agreement.addItem(f"#{a.id} {a.title}", a.id)
        except AppError:
            pass
        row("A&greement", self.agreement, "agreement")
        self.no_agreement_reason = line("Why there is no agreement", "Only if no agreement covers it")
        row("No agreement: &why", self.no_agreement_reason, "reason for no agreement")

        self.by_consent.toggled.connect(self._basis_changed)
        self.include_restricted.toggled.connect(self.restricted_reason.setEnabled)
        self.restricted_reason.setEnabled(False)
        self._basis_changed()

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.send_button = QPushButton("&Seal and save…")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        buttons.addWidget(cancel)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The file is encrypted so that only the receiving setting can open it, and signed by this "
            "setting. Read the receiver's key fingerprint to them by phone before you send it."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(640, 560)

    def _basis_changed(self) -> None:
        consent = self.by_consent.isChecked()
        self.consent_by.setEnabled(consent)
        self.basis.setEnabled(not consent)
        self.reason.setEnabled(not consent)

    def set_receiver_file(self, path: Path) -> bool:
        self.errors.clear()
        try:
            self.receiver = transfer_keys.read_key_file(path)
        except AppError as exc:
            self.receiver = None
            self.receiver_label.setText("No key file chosen.")
            self.errors.show("receiver", exc.message)
            return False
        urn = f" ({self.receiver.urn})" if self.receiver.urn else ""
        self.receiver_label.setText(
            f"{self.receiver.setting_name}{urn}, transfer key {self.receiver.fingerprint}"
        )
        return True

    def choose_receiver(self) -> None:
        path = self._choose_key(self)
        if path is not None:
            self.set_receiver_file(path)

    def send(self) -> bool:
        """Check, ask where to save, then seal and record it; problems show beside their fields."""
        self.errors.clear()
        try:
            if not self.family.choose_single_match():
                raise ValidationError("family", "choose the family whose record is going")
            if self.receiver is None:
                raise ValidationError("receiver", "choose the receiving setting's key file")
            ref = families.get_family(self.ctx.session, self.family.family_id).ref
            target = self._choose_target(self, f"{ref}.transfer")
            if target is None:
                return False
            consent = self.by_consent.isChecked()
            self.sent = transfer.send_family(
                self.ctx.session,
                ref,
                self.receiver,
                target,
                consent_by=self.consent_by.text() if consent else "",
                lawful_basis=None if consent else self.basis.currentData(),
                reason="" if consent else self.reason.text(),
                purpose=self.purpose.text(),
                all_referrals=self.all_referrals.isChecked(),
                include_restricted=self.include_restricted.isChecked(),
                restricted_reason=self.restricted_reason.text()
                if self.include_restricted.isChecked()
                else "",
                agreement_id=self.agreement.currentData(),
                no_agreement_reason=self.no_agreement_reason.text(),
            )
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("sharing")
        self.accept()
        return True
