"""The dashboard's list of referrals to chase today: out with a service and due today or overdue.

Each line says in words how overdue it is and whether the service has answered at all ("no
response"); overdue lines are tinted too. Chase opens the chase dialog; Open referrals goes to the
Referrals screen.
"""

from __future__ import annotations

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

from setting_app.domain.errors import AppError
from setting_app.domain.referrals import TrackedReferral, status_label
from setting_app.services import referrals as referral_service

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.chase_dialog import ChaseDialog
from setting_app.ui.models.referral_table_model import (
    DUE_TODAY_BACKGROUND,
    OVERDUE_BACKGROUND,
    OVERDUE_TEXT,
    RECORD_ROLE,
)


def due_line(referral: TrackedReferral, today) -> str:
    overdue = referral.days_overdue(today)
    mark = f"OVERDUE {overdue} day{'s' if overdue != 1 else ''}" if overdue else "Due today"
    state = "sent, no response yet" if referral.no_response else status_label(referral.status).lower()
    chased = f", chased {referral.chase_count}x" if referral.chase_count else ""
    return f"{mark}: {referral.family_ref}\n{referral.service_name} ({state}{chased})"


#: How many referrals to chase the dashboard lists (the title gives the whole number).
SHOWN = 100


class ReferralsDuePanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: ChaseDialog | None = None
        self.title = QLabel("Referrals to chase today")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget()
        self.list.setAccessibleName("Referrals to chase today")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(1)
        self.list.itemActivated.connect(lambda _item: self.chase_selected())
        self.empty = QLabel("Nothing to chase today.")
        self.chase_button = QPushButton("&Chase…")
        self.chase_button.setToolTip("Log a call or email to the service; the follow-up date moves on")
        self.chase_button.clicked.connect(self.chase_selected)
        self.open_button = QPushButton("Open &referrals")
        self.open_button.clicked.connect(lambda: self.ctx.navigate_requested.emit("referrals"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.chase_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.ctx.data_changed.connect(self._on_data_changed)

    def _on_data_changed(self, what: str) -> None:
        if what == "referrals":
            self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if not self.ctx.is_unlocked:
            self._show_empty(True)
            return
        try:
            today = self.ctx.clock.today()
            due = referral_service.referrals_due(self.ctx.session, today)
        except AppError:
            self._show_empty(True)
            return
        for referral in due[:SHOWN]:  # most overdue first; hundreds of lines help nobody (issue 25)
            item = QListWidgetItem(due_line(referral, today))
            item.setData(RECORD_ROLE, referral)
            if referral.days_overdue(today):
                item.setBackground(QBrush(OVERDUE_BACKGROUND))
                item.setForeground(QBrush(OVERDUE_TEXT))
            else:
                item.setBackground(QBrush(DUE_TODAY_BACKGROUND))
            self.list.addItem(item)
        overdue = sum(1 for r in due if r.days_overdue(today))
        self.title.setText(
            f"Referrals to chase today: {len(due)}"
            + (f" ({overdue} overdue)" if overdue else "")
            + (f"; the {SHOWN} most overdue are listed" if len(due) > SHOWN else "")
        )
        if due:
            self.list.setCurrentRow(0)
        self._show_empty(not due)

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)
        self.chase_button.setEnabled(not empty)

    def referrals(self) -> list[TrackedReferral]:
        return [self.list.item(i).data(RECORD_ROLE) for i in range(self.list.count())]

    def chase_selected(self) -> ChaseDialog | None:
        item = self.list.currentItem()
        if item is None:
            return None
        self.dialog = ChaseDialog(self.ctx, item.data(RECORD_ROLE), self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.dialog.open()
        return self.dialog
