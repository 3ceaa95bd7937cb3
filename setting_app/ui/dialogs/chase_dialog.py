"""Log a chase (a call or an email to the service about a referral); it pushes the follow-up date on."""

from __future__ import annotations

import html
from datetime import timedelta

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import Chase, TrackedReferral, status_label
from setting_app.services import referrals as referral_service

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class ChaseDialog(QDialog):
    def __init__(self, ctx: AppContext, referral: TrackedReferral, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.referral = referral
        self.saved: Chase | None = None
        self.setWindowTitle(f"Chase referral #{referral.id}")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        today = ctx.clock.today()
        days = referral_service.follow_up_days(ctx.session.conn)

        due = f"due {uk_date(referral.due_on)}" if referral.due_on else "no follow-up date"
        overdue = referral.days_overdue(today)
        if overdue:
            due += f", OVERDUE {overdue} day{'s' if overdue != 1 else ''}"
        summary = QLabel(
            f"<b>{html.escape(referral.family_ref)}</b> to <b>{html.escape(referral.service_name)}</b>: "
            f"{html.escape(status_label(referral.status))} ({html.escape(due)}). "
            f"Chased {referral.chase_count} time{'s' if referral.chase_count != 1 else ''} before."
        )
        summary.setWordWrap(True)

        form = QFormLayout()

        def row(label: str, widget: QWidget, name: str) -> None:
            self.errors.add_row(form, label, widget, name)

        self.on = DateField("date")
        self.on.set_date(today)
        row("&Date of the chase", self.on, "date")
        self.next_due = DateField("next follow-up", relative_to=self.on.date)
        self.next_due.set_date(today + timedelta(days=days))
        self.next_due.setToolTip("A date, or +7 for seven days after the chase")
        row("&Next follow-up", self.next_due, "next follow-up")
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("What happened")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("e.g. Rang the duty desk; they will write to the family this week")
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 3 + 14)
        row("&What happened", self.note, "note")

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save chase")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.note.setFocus()
        self.resize(520, 300)

    def save(self) -> bool:
        self.errors.clear()
        try:
            self.saved = referral_service.chase_referral(
                self.ctx.session,
                self.referral.id,
                note=self.note.toPlainText(),
                on=self.on.date(),
                next_due_on=self.next_due.date(),
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
