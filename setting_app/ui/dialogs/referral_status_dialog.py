"""Move a referral to its next status, with the date, a reason (declined, withdrawn) and a note.

Only the moves the lifecycle allows are offered. The referral's history is shown above, so the
person sees where it has been. Marking a referral the setting makes as sent says that the family's
details are recorded as shared (the information-sharing record is written with the change).
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import ReferralStatus
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import (
    NEEDS_REASON,
    StatusReason,
    TrackedReferral,
    allowed_next,
    status_label,
)
from setting_app.services import agreements as agreement_service
from setting_app.services import referrals as referral_service

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.referral_dialog import combo_code
from setting_app.ui.formatting import uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


def history_html(ctx: AppContext, referral: TrackedReferral) -> str:
    """The status history and chases of a referral, oldest first, as simple escaped HTML."""
    rows = []
    for change in referral_service.referral_history(ctx.session, referral.id):
        reason = f" ({change.reason.label})" if change.reason else ""
        by = f" by {change.changed_by_name}" if change.changed_by_name else ""
        note = f": {change.note}" if change.note else ""
        rows.append(
            f"<li><b>{uk_date(change.changed_on)}</b> {html.escape(status_label(change.status) + reason)}"
            f"{html.escape(by + note)}</li>"
        )
    for chase in referral_service.referral_chases(ctx.session, referral.id):
        note = f": {chase.note}" if chase.note else ""
        rows.append(
            f"<li><b>{uk_date(chase.chased_on)}</b> chased by {html.escape(chase.chased_by_name or '?')}"
            f"{html.escape(note)}; next follow-up {uk_date(chase.next_due_on)}</li>"
        )
    return "<ul>" + "".join(rows) + "</ul>" if rows else "<p>No history recorded.</p>"


class ReferralStatusDialog(QDialog):
    def __init__(self, ctx: AppContext, referral: TrackedReferral, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.referral = referral
        self.saved: TrackedReferral | None = None
        self.setWindowTitle(f"Change status: referral #{referral.id}")
        self.setAccessibleName(self.windowTitle())
        self._build()
        self._on_status_changed()

    def _build(self) -> None:
        r = self.referral
        self.errors = FieldErrors(error_label(self))
        summary = QLabel(
            f"<b>{html.escape(r.family_ref)}</b> to <b>{html.escape(r.service_name)}</b>: "
            f"now <b>{html.escape(status_label(r.status))}</b>"
        )
        summary.setWordWrap(True)
        self.history = QTextBrowser()
        self.history.setAccessibleName("History of this referral")
        self.history.setHtml(history_html(self.ctx, r))
        self.history.setMaximumHeight(160)

        form = QFormLayout()

        def row(label: str, widget: QWidget, name: str) -> None:
            self.errors.add_row(form, label, widget, name)

        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        for status in allowed_next(r.status, r.route):
            self.status.addItem(status_label(status), status)
        self.status.currentIndexChanged.connect(self._on_status_changed)
        row("&New status", self.status, "status")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason")
        self.reason.addItem("(choose a reason)", None)
        for reason in StatusReason:
            self.reason.addItem(reason.label, reason)
        row("&Reason", self.reason, "reason")
        self.on = DateField("date")
        self.on.set_date(self.ctx.clock.today())
        row("&Date", self.on, "date")
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 3 + 14)
        row("N&ote", self.note, "note")
        self.sharing_hint = QLabel()
        self.sharing_hint.setWordWrap(True)
        # Sending: the data-sharing agreement that covers it, or why there is none.
        self.agreement = QComboBox()
        self.agreement.setAccessibleName("Data-sharing agreement covering this share")
        self.agreement.currentIndexChanged.connect(self._on_agreement_changed)
        self.agreement_label = QLabel("Data-sharing &agreement")
        self.agreement_label.setBuddy(self.agreement)
        self.agreement_row = QWidget()
        agreement_column = QVBoxLayout(self.agreement_row)
        agreement_column.setContentsMargins(0, 0, 0, 0)
        agreement_column.addWidget(self.agreement)
        agreement_problem = error_label(self.agreement_row)
        agreement_column.addWidget(agreement_problem)
        form.addRow(self.agreement_label, self.agreement_row)
        self.errors.add("agreement", self.agreement, agreement_problem)
        self.no_agreement_reason = QPlainTextEdit()
        self.no_agreement_reason.setAccessibleName("Why share without a data-sharing agreement")
        self.no_agreement_reason.setTabChangesFocus(True)
        self.no_agreement_reason.setFixedHeight(self.no_agreement_reason.fontMetrics().lineSpacing() * 2 + 14)
        self.reason_label = QLabel("&Why share without an agreement")
        self.reason_label.setBuddy(self.no_agreement_reason)
        self.reason_row = QWidget()
        reason_column = QVBoxLayout(self.reason_row)
        reason_column.setContentsMargins(0, 0, 0, 0)
        reason_column.addWidget(self.no_agreement_reason)
        reason_problem = error_label(self.reason_row)
        reason_column.addWidget(reason_problem)
        form.addRow(self.reason_label, self.reason_row)
        self.errors.add("reason for no agreement", self.no_agreement_reason, reason_problem)
        self._load_agreements()

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(self.status.count() > 0)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(QLabel("History:"))
        layout.addWidget(self.history)
        if self.status.count() == 0:
            layout.addWidget(QLabel(f"A {r.status.value} referral is closed: its status cannot change."))
        layout.addLayout(form)
        layout.addWidget(self.sharing_hint)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(560, 520)

    def _on_status_changed(self, *_args: object) -> None:
        status = combo_code(self.status, ReferralStatus)
        needs_reason = status in NEEDS_REASON
        self.reason.setEnabled(needs_reason)
        if not needs_reason:
            self.reason.setCurrentIndex(0)
        sending = status is ReferralStatus.SENT and self.referral.route.setting_shares
        self.sharing_hint.setText(
            f"Marking it sent records that the family's details were shared with {self.referral.service_name}, "
            "on the consent recorded."
            if sending
            else ""
        )
        self.sharing_hint.setVisible(sending)
        self._on_agreement_changed()

    # -- the data-sharing agreement ------------------------------------------------------------

    def _load_agreements(self) -> None:
        """The agreements in force that cover this service, then "no agreement" (a reason is asked)."""
        self.covering_count = 0
        self.agreement.clear()
        try:
            covering = agreement_service.covering_agreements(
                self.ctx.session,
                partner=self.referral.service_name,
                category=self.referral.service_category.value,
            )
        except AppError:
            covering = []
        if len(covering) > 1:
            self.agreement.addItem("(choose the agreement that applies)", "")
        for a in covering:
            self.agreement.addItem(f"#{a.id} {a.title} (review by {uk_date(a.review_on)})", a.id)
        self.agreement.addItem("No agreement covers this share", None)
        self.covering_count = len(covering)
        self.agreement.setCurrentIndex(0)

    def _sending(self) -> bool:
        status = combo_code(self.status, ReferralStatus)
        return status is ReferralStatus.SENT and self.referral.route.setting_shares

    def chosen_agreement(self) -> int | None:
        value = self.agreement.currentData()
        return int(value) if isinstance(value, int) else None

    def _on_agreement_changed(self, *_args: object) -> None:
        sending = self._sending()
        if not hasattr(self, "agreement_row"):
            return
        show_choice = sending and self.covering_count > 0
        self.agreement_label.setVisible(show_choice)
        self.agreement_row.setVisible(show_choice)
        needs_reason = sending and self.agreement.currentData() is None
        self.reason_label.setVisible(needs_reason)
        self.reason_row.setVisible(needs_reason)

    def save(self) -> bool:
        self.errors.clear()
        sending = self._sending()
        agreement_id = self.chosen_agreement() if sending else None
        reason = self.no_agreement_reason.toPlainText().strip() if sending and agreement_id is None else ""
        if sending and self.agreement.currentData() is None and not reason:
            self.errors.show(
                "reason for no agreement", "say why you are sharing without a data-sharing agreement"
            )
            return False
        try:
            self.saved = referral_service.change_status(
                self.ctx.session,
                self.referral.id,
                combo_code(self.status, ReferralStatus),
                reason=combo_code(self.reason, StatusReason),
                note=self.note.toPlainText(),
                on=self.on.date(),
                agreement_id=agreement_id,
                no_agreement_reason=reason,
            )
        except ValidationError as exc:
            field = exc.field
            if field == "agreement" and not self.agreement_row.isVisibleTo(self):
                field = "reason for no agreement"
            self.errors.show(field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("referrals")
        self.accept()
        return True
