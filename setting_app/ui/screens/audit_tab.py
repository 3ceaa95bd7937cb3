"""Records → Audit trail (managers): who did what and when, newest first, filtered by user, family
reference, action and dates; and a check of the hash chain that names the first broken row.

The list is a windowed model over ``audit.list_audit``/``count_audit``: a trail of years of rows
opens at once and only the pages in view are read. Rows hold no personal data (see
``services/audit.py``), only usernames, action codes, record numbers and the family reference.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.services import audit, families, staff
from setting_app.services.session import Session
from setting_app.storage.audit_repo import AuditFilter, AuditRow

from setting_app.ui.context import AppContext
from setting_app.ui.models.windowed import WindowedTableModel
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.list_view import ListView
from setting_app.ui.workers import BackgroundTask, report_error, run_with_session

ACTION_LABELS: dict[str, str] = {
    audit.UNLOCK: "Unlocked",
    audit.UNLOCK_FAILED: "Failed unlock",
    audit.VIEW_FAMILY: "Opened a family",
    audit.VIEW_RESTRICTED: "Opened a restricted record",
    audit.CREATE: "Created",
    audit.UPDATE: "Changed",
    audit.AMEND: "Amended",
    audit.DELETE: "Deleted",
    audit.ERASE: "Erased",
    audit.EXPORT: "Exported",
    audit.PRINT: "Printed",
    audit.BACKUP: "Backup",
    audit.RESTORE: "Restore",
    audit.ACCOUNT: "Account change",
    audit.SETTINGS: "Settings change",
    audit.RETENTION: "Retention decision",
}


class AuditTableModel(WindowedTableModel):
    COLUMNS = ("Row", "When (UTC)", "User", "Action", "Record", "Family", "Detail")
    ROW, WHEN, USER, ACTION, RECORD, FAMILY, DETAIL = range(7)

    def __init__(
        self, ctx: AppContext, *, page_size: int = 200, max_pages: int = 8, parent: Any = None
    ) -> None:
        super().__init__(ctx, page_size=page_size, max_pages=max_pages, parent=parent)
        self.filter = AuditFilter()
        self._refs: dict[int, str] = {}

    def set_filter(self, flt: AuditFilter) -> None:
        self.filter = flt
        self.refresh()

    def _forget(self) -> None:
        self._refs = {}

    def _count(self, session: Session) -> int:
        return audit.count_audit(session, self.filter)

    def _fetch_page(self, session: Session, page: int, start: int, size: int) -> list[AuditRow]:
        rows = audit.list_audit(session, self.filter, offset=start, limit=size)
        wanted = [r.family_id for r in rows if r.family_id is not None and r.family_id not in self._refs]
        if wanted:
            self._refs.update(families.family_refs(session, wanted))
        return rows

    def _cell(self, row: AuditRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DETAIL and row.detail:
            return row.detail
        return None

    def _text(self, row: AuditRow, column: int) -> str:
        if column == self.ROW:
            return str(row.id)
        if column == self.WHEN:
            return row.at.strftime("%d/%m/%Y %H:%M:%S")
        if column == self.USER:
            return row.username
        if column == self.ACTION:
            return ACTION_LABELS.get(row.action, row.action)
        if column == self.RECORD:
            kind = row.object_type.replace("_", " ")
            return f"{kind} {row.object_id}" if row.object_id is not None else kind
        if column == self.FAMILY:
            if row.family_id is None:
                return ""
            return self._refs.get(row.family_id, f"(erased family {row.family_id})")
        if column == self.DETAIL:
            return row.detail
        return ""


class AuditTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        intro = QLabel(
            "Every unlock, record opened, change, export, print, backup and account change, newest first. "
            "The rows are chained together, so a changed, removed or reordered row is found by Check."
        )
        intro.setWordWrap(True)

        self.user_filter = QComboBox()
        self.user_filter.setAccessibleName("Filter by user")
        self.family_filter = QLineEdit()
        self.family_filter.setPlaceholderText("e.g. FAM-0007")
        self.family_filter.setAccessibleName("Filter by family reference")
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Filter by action")
        self.action_filter.addItem("Any action", None)
        for action in audit.ACTIONS:
            self.action_filter.addItem(ACTION_LABELS.get(action, action), action)
        self.date_from = DateField("From", optional=True)
        self.date_from.setAccessibleName("From date")
        self.date_to = DateField("To", optional=True)
        self.date_to.setAccessibleName("To date")
        self.apply_button = QPushButton("&Show")
        self.apply_button.setDefault(True)
        self.clear_button = QPushButton("C&lear filters")
        self.check_button = QPushButton("&Check the trail")
        self.check_button.setAccessibleName("Check the audit trail's chain")

        grid = QGridLayout()
        for column, (text, widget) in enumerate(
            (
                ("&User", self.user_filter),
                ("&Family", self.family_filter),
                ("Acti&on", self.action_filter),
                ("Fro&m", self.date_from),
                ("&To", self.date_to),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 0, column)
            grid.addWidget(widget, 1, column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        self.check_progress = QProgressBar()
        self.check_progress.setRange(0, 0)  # busy: the check cannot say how far it is
        self.check_progress.setMaximumWidth(140)
        self.check_progress.setTextVisible(False)
        self.check_progress.setAccessibleName("Checking the audit trail")
        self.check_progress.hide()
        buttons.addWidget(self.check_progress)

        self.model = AuditTableModel(ctx)
        self.table = ListView()
        self.table.setAccessibleName("Audit trail")
        self.table.setModel(self.model)
        self.table.route_typing_to(self.family_filter)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(AuditTableModel.COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 150, 110, 160, 140, 100)):
            self.table.setColumnWidth(column, width)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Audit trail status")
        self.check_result = QLabel("")
        self.check_result.setWordWrap(True)
        self.check_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.check_result)

        self.apply_button.clicked.connect(self.apply_filters)
        self.clear_button.clicked.connect(self.clear_filters)
        self.check_button.clicked.connect(self.start_check)
        for field in (self.family_filter, self.date_from, self.date_to):
            field.returnPressed.connect(self.apply_filters)
        self._load_error: str | None = None
        self.model.load_failed.connect(self._on_load_failed)
        ctx.locked_changed.connect(self._on_locked_changed)

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the user list and the rows (new rows appear at the top)."""
        if not self.ctx.is_unlocked:
            return
        self._fill_users()
        self.apply_filters()

    def current_filter(self) -> AuditFilter:
        """The filter the fields describe; raises an AppError naming the field that cannot be used."""
        date_from = self.date_from.date()
        date_to = self.date_to.date()
        if date_from and date_to and date_to < date_from:
            raise ValidationError("To", "is before From: no day can match")
        family_id = None
        ref = self.family_filter.text().strip()
        if ref:
            family_id = families.find_family(self.ctx.session, ref).id
        return AuditFilter(
            username=self.user_filter.currentData() or None,
            family_id=family_id,
            action=self.action_filter.currentData() or None,
            date_from=date_from,
            date_to=date_to,
        )

    def apply_filters(self) -> None:
        try:
            flt = self.current_filter()
            self.ctx.session.require_manager("read the audit trail")
        except AppError as exc:
            self.status.setText(exc.message)
            self.model.clear()
            return
        self._load_error = None
        self.model.set_filter(flt)
        if self._load_error:
            self.status.setText(self._load_error)
            return
        total = self.model.rowCount()
        self.status.setText(
            f"{total} row{'s' if total != 1 else ''}" + (" match." if _is_filtered(flt) else " in the trail.")
        )

    def clear_filters(self) -> None:
        self.user_filter.setCurrentIndex(0)
        self.family_filter.clear()
        self.action_filter.setCurrentIndex(0)
        self.date_from.clear()
        self.date_to.clear()
        self.apply_filters()

    def check_chain(self) -> str:
        """Verify the chain here and now; shows and returns the sentence (the button uses
        ``start_check``, which verifies on a worker thread)."""
        try:
            text = _chain_sentence(self.ctx.session)
        except AppError as exc:
            text = exc.message
        self.check_result.setText(text)
        return text

    def start_check(self) -> BackgroundTask | None:
        """Verify the chain on a worker thread (seconds on a ten-year casebook), showing progress."""
        if self.checking:
            return None
        try:
            self.ctx.session.require_manager("check the audit trail")
        except AppError as exc:
            self.check_result.setText(exc.message)
            return None
        self._set_checking(True)
        return run_with_session(self.ctx, _chain_sentence, self._checked, self._check_failed)

    @property
    def checking(self) -> bool:
        return self.check_progress.isVisible() or not self.check_button.isEnabled()

    def _checked(self, text: str) -> None:
        self._set_checking(False)
        if self.ctx.is_unlocked:
            self.check_result.setText(text)

    def _check_failed(self, error: BaseException) -> None:
        self._set_checking(False)
        if isinstance(error, AppError):
            self.check_result.setText(error.message)
        else:
            report_error(error)

    def _set_checking(self, busy: bool) -> None:
        self.check_button.setEnabled(not busy)
        self.check_progress.setVisible(busy)
        if busy:
            self.check_result.setText("Checking the audit trail… (you can carry on meanwhile)")

    # --- internals -------------------------------------------------------------------------------

    def _fill_users(self) -> None:
        keep = self.user_filter.currentData()
        try:
            users = sorted(u.username for u in staff.list_users(self.ctx.session))
        except AppError:
            users = []
        self.user_filter.blockSignals(True)
        self.user_filter.clear()
        self.user_filter.addItem("Anyone", None)
        for username in users:
            self.user_filter.addItem(username, username)
        index = self.user_filter.findData(keep) if keep else 0
        self.user_filter.setCurrentIndex(max(index, 0))
        self.user_filter.blockSignals(False)

    def _on_load_failed(self, message: str) -> None:
        self._load_error = message
        self.status.setText(message)

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self.model.clear()
            self.status.setText("")
            self.check_result.setText("")


def _chain_sentence(session: Session) -> str:
    session.require_manager("check the audit trail")
    problem = audit.verify(session)
    if problem:
        return (
            f"The audit trail is broken: {problem}. Restore the casebook from a backup and tell your "
            "support contact."
        )
    return f"The audit trail is whole ({audit.count_audit(session)} rows, head {audit.chain_head(session)})."


def _is_filtered(flt: AuditFilter) -> bool:
    return any((flt.username, flt.family_id is not None, flt.action, flt.date_from, flt.date_to))
