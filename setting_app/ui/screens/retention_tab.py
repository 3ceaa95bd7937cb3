"""Records → Retention and erasure (managers): the review queue, decisions and the schedule.

The queue lists closed families whose review date has passed (never those on legal hold, which can
be shown too with a tick box). For the selected family a manager can keep the records until a new
review date, place or release a legal hold (each with a reason), or erase the family: the erase
dialog asks for a reason from a list and the family's reference typed again.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, PermissionDenied, ValidationError
from setting_app.services import erasure, retention

from setting_app.ui.context import AppContext
from setting_app.ui.errors import reporting_errors
from setting_app.ui.formatting import uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label
from setting_app.ui.widgets.list_view import ListView

AnyIndex = QModelIndex | QPersistentModelIndex
#: data() role returning the row's QueueRow.
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class QueueRow:
    family_id: int
    ref: str
    closed_on: date | None
    review_on: date | None
    why: str
    safeguarding: bool
    legal_hold: bool


class RetentionQueueModel(QAbstractTableModel):
    HEADERS = ("Family", "Closed", "Review due", "Why", "Safeguarding", "Legal hold")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[QueueRow] = []

    def set_rows(self, rows: list[QueueRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == RECORD_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (
                row.ref,
                uk_date(row.closed_on) if row.closed_on else "Open",
                uk_date(row.review_on) if row.review_on else "",
                row.why,
                "Yes" if row.safeguarding else "No",
                "On hold" if row.legal_hold else "No",
            )[index.column()]
        return None


class DecisionDialog(QDialog):
    """One decision on one family: keep, hold, release or erase. Stays open, text kept, on an error."""

    TITLES = {
        retention.KEEP: "Keep records",
        retention.HOLD: "Place a legal hold",
        retention.RELEASE_HOLD: "Release the legal hold",
        retention.ERASE: "Erase family",
    }

    def __init__(self, ctx: AppContext, row: QueueRow, decision: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.decision = decision
        self.done_ok = False
        self.erased: erasure.ErasureResult | None = None
        self.setWindowTitle(f"{self.TITLES[decision]}: {row.ref}")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        form = QFormLayout()

        def add_row(label: str, widget: QWidget, name: str) -> None:
            self.errors.add_row(form, label, widget, name)

        self.next_review: DateField | None = None
        self.reason_text: QPlainTextEdit | None = None
        self.reason_choice: QComboBox | None = None
        self.confirm_ref: QLineEdit | None = None
        intro = QLabel()
        intro.setWordWrap(True)
        if decision == retention.ERASE:
            intro.setText(
                f"<b>Erasing {html.escape(row.ref)} cannot be undone.</b> Its children, carers, entries, "
                "referrals and information-sharing records are deleted for good. The audit trail keeps "
                "only the family's number and the reason."
            )
            self.reason_choice = QComboBox()
            self.reason_choice.setAccessibleName("Reason for erasure")
            self.reason_choice.addItem("Choose a reason…", "")
            for code, label in erasure.REASON_LABELS.items():
                self.reason_choice.addItem(label, code.value)
            add_row("&Reason", self.reason_choice, "reason")
            self.confirm_ref = QLineEdit()
            self.confirm_ref.setAccessibleName("Type the family's reference again")
            self.confirm_ref.setPlaceholderText(row.ref)
            add_row("&Type the reference again", self.confirm_ref, "confirm")
        else:
            intro.setText(self._intro(decision, row))
            if decision == retention.KEEP:
                self.next_review = DateField("next review date")
                self.next_review.setAccessibleName("Next review date")
                add_row("&Next review on", self.next_review, "next review date")
            self.reason_text = QPlainTextEdit()
            self.reason_text.setAccessibleName("Reason")
            self.reason_text.setTabChangesFocus(True)
            self.reason_text.setFixedHeight(self.reason_text.fontMetrics().lineSpacing() * 3 + 14)
            add_row("&Reason", self.reason_text, "reason")

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Erase for good" if decision == retention.ERASE else "&Save decision")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(520, 280)

    @staticmethod
    def _intro(decision: str, row: QueueRow) -> str:
        ref = html.escape(row.ref)
        if decision == retention.KEEP:
            return f"Keep {ref}'s records and review them again on the date you give."
        if decision == retention.HOLD:
            return f"While {ref} is on legal hold it leaves the review queue and cannot be erased."
        return f"Release the legal hold on {ref}. Its records return to the normal schedule."

    def save(self) -> bool:
        self.errors.clear()
        session = self.ctx.session
        try:
            if self.decision == retention.KEEP:
                assert self.next_review is not None and self.reason_text is not None
                retention.keep(
                    session, self.row.family_id, self.next_review.date(), self.reason_text.toPlainText()
                )
            elif self.decision == retention.HOLD:
                assert self.reason_text is not None
                retention.place_hold(session, self.row.family_id, self.reason_text.toPlainText())
            elif self.decision == retention.RELEASE_HOLD:
                assert self.reason_text is not None
                retention.release_hold(session, self.row.family_id, self.reason_text.toPlainText())
            else:
                assert self.reason_choice is not None and self.confirm_ref is not None
                reason = erasure.parse_reason(self.reason_choice.currentData())
                if self.confirm_ref.text().strip() != self.row.ref:
                    raise ValidationError("confirm", f"type {self.row.ref} exactly to erase this family")
                # VACUUM rewrites the whole file: about 2 s for a 30 MB casebook.
                QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
                try:
                    self.erased = erasure.erase_family(session, self.row.family_id, reason)
                finally:
                    QApplication.restoreOverrideCursor()
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.done_ok = True
        self.ctx.data_changed.emit("families" if self.decision == retention.ERASE else "retention")
        self.accept()
        return True


class RetentionTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: DecisionDialog | None = None

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.show_held = QCheckBox("Also show families on &legal hold")
        self.show_held.toggled.connect(lambda _on: self.refresh())

        self.model = RetentionQueueModel(self)
        self.table = ListView()
        self.table.setAccessibleName("Families due for a retention review")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.keep_button = QPushButton("&Keep…")
        self.hold_button = QPushButton("Legal &hold…")
        self.release_button = QPushButton("Re&lease hold…")
        self.erase_button = QPushButton("E&rase…")
        self.keep_button.clicked.connect(lambda: self.decide(retention.KEEP))
        self.hold_button.clicked.connect(lambda: self.decide(retention.HOLD))
        self.release_button.clicked.connect(lambda: self.decide(retention.RELEASE_HOLD))
        self.erase_button.clicked.connect(lambda: self.decide(retention.ERASE))
        actions = QHBoxLayout()
        for button in (self.keep_button, self.hold_button, self.release_button, self.erase_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.closed_years = QSpinBox()
        self.closed_years.setRange(*retention.CLOSED_YEARS_RANGE)
        self.closed_years.setSuffix(" years")
        self.closed_years.setAccessibleName("Years after closure before review")
        self.safeguarding_age = QSpinBox()
        self.safeguarding_age.setRange(*retention.SAFEGUARDING_AGE_RANGE)
        self.safeguarding_age.setAccessibleName("Safeguarding records kept until the youngest child is")
        self.save_schedule_button = QPushButton("&Save schedule")
        self.save_schedule_button.clicked.connect(self.save_schedule)
        schedule_box = QGroupBox("Schedule")
        schedule_form = QFormLayout(schedule_box)
        label = QLabel("Review closed families &after")
        label.setBuddy(self.closed_years)
        schedule_form.addRow(label, self.closed_years)
        label = QLabel("Keep safeguarding records until the youngest child is a&ged")
        label.setBuddy(self.safeguarding_age)
        schedule_form.addRow(label, self.safeguarding_age)
        schedule_form.addRow("", self.save_schedule_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.show_held)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(schedule_box)
        self._update_buttons()

    # --- data ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        session = self.ctx.session
        try:
            queue = retention.review_queue(session)
            held = retention.families_on_hold(session) if self.show_held.isChecked() else []
            sched = retention.schedule(session)
        except PermissionDenied as exc:
            self.model.set_rows([])
            self.summary.setText(exc.message)
            self._update_buttons()
            return
        rows = [
            QueueRow(d.family_id, d.ref, d.closed_on, d.review_on, d.why, d.safeguarding, False)
            for d in queue
        ]
        for facts in held:
            status = retention.family_status(session, facts.family_id)
            rows.append(
                QueueRow(
                    facts.family_id,
                    facts.ref,
                    facts.closed_on,
                    status.review_on if status else None,
                    f"On legal hold: {facts.legal_hold_reason}",
                    facts.safeguarding,
                    True,
                )
            )
        self.model.set_rows(rows)
        due = len(queue)
        self.summary.setText(
            "No family is due for a retention review."
            if not due
            else f"{due} famil{'y is' if due == 1 else 'ies are'} due for a retention review. "
            "Nothing is deleted unless a manager decides to erase it."
        )
        self.closed_years.setValue(sched.closed_years)
        self.safeguarding_age.setValue(sched.safeguarding_age)
        self._update_buttons()

    def selected_row(self) -> QueueRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], RECORD_ROLE) if rows else None

    def select_ref(self, ref: str) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.ref == ref:
                self.table.selectRow(i)
                return True
        return False

    def _update_buttons(self) -> None:
        row = self.selected_row()
        held = row is not None and row.legal_hold
        self.keep_button.setEnabled(row is not None and not held)
        self.hold_button.setEnabled(row is not None and not held)
        self.release_button.setEnabled(held)
        self.erase_button.setEnabled(row is not None and not held and row.closed_on is not None)

    # --- actions ------------------------------------------------------------------------------------

    def decide(self, decision: str) -> DecisionDialog | None:
        """Open the dialog for a decision on the selected family (returned, for tests)."""
        row = self.selected_row()
        if row is None:
            return None
        self.dialog = DecisionDialog(self.ctx, row, decision, self)
        self.dialog.finished.connect(lambda _result: self._after_decision())
        self.dialog.open()
        return self.dialog

    def _after_decision(self) -> None:
        erased = self.dialog.erased if self.dialog is not None else None
        self.refresh()
        if erased is not None and not erased.wal_cleared:
            self.summary.setText(
                self.summary.text() + " Another window had the casebook open while a family was erased: "
                "lock or close the app once to finish clearing its old pages."
            )

    def save_schedule(self) -> None:
        with reporting_errors(self):
            retention.set_schedule(
                self.ctx.session,
                closed_years=self.closed_years.value(),
                safeguarding_age=self.safeguarding_age.value(),
            )
            self.refresh()
