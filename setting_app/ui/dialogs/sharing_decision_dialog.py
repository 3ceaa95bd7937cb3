"""Record a decision NOT to share information, with the reasons (information-sharing advice, 2024:
record decisions and the reasons for them, whether or not information is shared)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import SharingOccasion, SharingRecord, TrackedReferral
from setting_app.services import info_sharing

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.family_picker import FamilyPicker
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class SharingDecisionDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        referral: TrackedReferral | None = None,
        family_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.referral = referral
        self.saved: SharingRecord | None = None
        self.setWindowTitle("Record a decision not to share")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        form = QFormLayout()

        def row(label: str, widget: QWidget, name: str) -> None:
            self.errors.add_row(form, label, widget, name)

        def text(name: str, lines: int = 2) -> QPlainTextEdit:
            edit = QPlainTextEdit()
            edit.setAccessibleName(name)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
            return edit

        self.family = FamilyPicker(ctx)
        row("&Family (optional)", self.family, "family")
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Who asked, or would have received it")
        row("&Who asked", self.recipient, "shared with")
        self.what = text("What information")
        row("W&hat information", self.what, "what was shared")
        self.purpose = text("What it was wanted for")
        row("Wanted &for", self.purpose, "why")
        self.reason = text("Why it was not shared", 3)
        row("&Why not shared", self.reason, "reason")
        self.on = DateField("date")
        self.on.set_date(ctx.clock.today())
        row("&Date", self.on, "date")

        if referral is not None:
            self.family.set_family(referral.family_id)
            self.family.setEnabled(False)
            self.recipient.setText(referral.service_name)
        elif family_id is not None:
            self.family.set_family(family_id)

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(560, 480)

    def save(self) -> bool:
        self.errors.clear()
        try:
            family_id = self.family.family_id if self.family.choose_single_match() else None
            if self.family.text().strip() and family_id is None:
                raise ValidationError("family", "choose a family from the list, or leave it empty")
            self.saved = info_sharing.record_decision_not_to_share(
                self.ctx.session,
                recipient=self.recipient.text(),
                what=self.what.toPlainText(),
                purpose=self.purpose.toPlainText(),
                reason=self.reason.toPlainText(),
                decided_on=self.on.date(),
                family_id=family_id,
                referral_id=self.referral.id if self.referral else None,
                occasion=SharingOccasion.REFERRAL if self.referral else SharingOccasion.OTHER,
            )
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("referrals")
        self.accept()
        return True
