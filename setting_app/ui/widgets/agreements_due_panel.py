"""The dashboard's list of data-sharing agreements to review: overdue, due within 30 days, or ending
within 30 days.

Ended agreements are not listed. Enter (or a double click) on a line, or "Open agreements", goes to
Records → Agreements for managers.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.agreements import REVIEW_DUE_DAYS, Agreement, AgreementStatus
from setting_app.domain.errors import AppError
from setting_app.services import agreements, self_evaluation

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import uk_date
from setting_app.ui.models.referral_table_model import DUE_TODAY_BACKGROUND, OVERDUE_BACKGROUND, OVERDUE_TEXT

AGREEMENT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The Records screen's key in the main window, and the agreements tab's label there.
RECORDS_KEY = "records"


def due_line(agreement: Agreement, today: date) -> str:
    ends_on = agreement.ends_on
    if ends_on is not None and ends_on <= agreement.review_on:
        days = (ends_on - today).days
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return (
            f"Ends {when} ({uk_date(ends_on)}): {agreement.title}\nWith {agreement.party_names}. "
            "Renew it, or shares after that need a reason"
        )
    days = (agreement.review_on - today).days
    if days < 0:
        mark = f"REVIEW OVERDUE {-days} day{'s' if days != -1 else ''}"
    elif days == 0:
        mark = "Review due today"
    else:
        mark = f"Review due in {days} day{'s' if days != 1 else ''}"
    return f"{mark} ({uk_date(agreement.review_on)}): {agreement.title}\nWith {agreement.party_names}"


class AgreementsDuePanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.title = QLabel("Agreements to review")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget()
        self.list.setAccessibleName("Data-sharing agreements to review")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(1)
        self.list.itemActivated.connect(lambda _item: self.open_agreements())
        self.empty = QLabel(
            f"No data-sharing agreement is due for review in the next {REVIEW_DUE_DAYS} days."
        )
        self.empty.setWordWrap(True)
        self.self_evaluation_note = QLabel()
        self.self_evaluation_note.setWordWrap(True)
        self.self_evaluation_note.setAccessibleName("Self-evaluation reminder")
        self.self_evaluation_note.setTextFormat(Qt.TextFormat.PlainText)
        self.self_evaluation_note.hide()
        self.open_button = QPushButton("Open a&greements")
        self.open_button.setToolTip("Records → Agreements (managers)")
        self.open_button.clicked.connect(self.open_agreements)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.self_evaluation_note)
        layout.addLayout(buttons)
        self.ctx.data_changed.connect(self._on_data_changed)

    def _on_data_changed(self, what: str) -> None:
        if what in ("agreements", "settings", "self_evaluation"):
            self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if not self.ctx.is_unlocked:
            self._show_empty(True)
            return
        try:
            today = self.ctx.clock.today()
            due = agreements.agreements_due(self.ctx.session, today)
            manager = self.ctx.user.is_manager
            note = self_evaluation.due_note(self.ctx.session, today) if manager else ""
        except AppError:
            self._show_empty(True)
            return
        for agreement in due:
            item = QListWidgetItem(due_line(agreement, today))
            item.setData(AGREEMENT_ROLE, agreement.id)
            if agreement.status(today) is AgreementStatus.OVERDUE:
                item.setBackground(QBrush(OVERDUE_BACKGROUND))
                item.setForeground(QBrush(OVERDUE_TEXT))
            else:
                item.setBackground(QBrush(DUE_TODAY_BACKGROUND))
            self.list.addItem(item)
        overdue = sum(1 for a in due if a.status(today) is AgreementStatus.OVERDUE)
        self.title.setText(f"Agreements to review: {len(due)}" + (f" ({overdue} overdue)" if overdue else ""))
        if due:
            self.list.setCurrentRow(0)
        self._show_empty(not due)
        self.self_evaluation_note.setText(note)
        self.self_evaluation_note.setVisible(bool(note))
        self.open_button.setVisible(manager)

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)

    def agreement_ids(self) -> list[int]:
        return [self.list.item(i).data(AGREEMENT_ROLE) for i in range(self.list.count())]

    def open_agreements(self) -> None:
        """Go to Records → Agreements (the main window sends practitioners back to the dashboard)."""
        if not self.ctx.is_unlocked or not self.ctx.user.is_manager:
            return
        self.ctx.navigate_requested.emit(RECORDS_KEY)
        self._select_tab()

    def _select_tab(self) -> None:
        window = self.window()
        screen = getattr(window, "current_screen", None)
        tabs = getattr(screen(), "tabs", None) if callable(screen) else None
        if tabs is None:
            return
        for index in range(tabs.count()):
            if tabs.tabText(index).replace("&", "") == "Agreements":
                tabs.setCurrentIndex(index)
                return
