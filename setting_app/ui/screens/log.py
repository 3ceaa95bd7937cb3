"""The setting's whole support log, newest first, with filters and a jump to any row or date.

The list is an ``EntryTableModel``: it counts the matching entries and reads only the pages the view
paints, so a log of 250,000 entries opens and jumps to its last row in well under a second.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind
from setting_app.domain.errors import AppError, ValidationError
from setting_app.services import families, staff, support_log
from setting_app.storage.entry_repo import OVER_BUDGET, EntryFilter

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import count_text
from setting_app.ui.models.entry_table_model import EntryTableModel
from setting_app.ui.models.windowed import RECORD_ROLE
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import plain_message
from setting_app.ui.widgets.list_view import ListView
from setting_app.ui.workers import run_with_session

#: How long typing in the list may query on the UI thread before the query moves to a worker.
SEARCH_BUDGET_MS = 60.0


def _labelled(text: str, widget: QWidget, row: QHBoxLayout) -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    row.addWidget(label)
    row.addWidget(widget)


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


class LogScreen(QWidget):
    #: Reloads itself on ``ctx.data_changed`` (the main window need not refresh it again).
    FOLLOWS_DATA_CHANGES = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_open_ms = 0.0
        self._stale = True
        self.model = EntryTableModel(ctx, parent=self)
        self._build()
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.locked_changed.connect(self._on_locked_changed)
        self.model.load_failed.connect(self._show_problem)
        self.model.counted.connect(self._show_count)
        self._search_job = 0

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        title = QLabel("Support log")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)

        filters = QHBoxLayout()
        self.domain = QComboBox()
        self.domain.setAccessibleName("Domain filter")
        _labelled("&Domain", self.domain, filters)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind filter")
        for text, data in (
            ("Direct and indirect", None),
            ("Direct", Kind.DIRECT.value),
            ("Indirect", Kind.INDIRECT.value),
        ):
            self.kind.addItem(text, data)
        _labelled("&Kind", self.kind, filters)
        self.staff = QComboBox()
        self.staff.setAccessibleName("Staff filter")
        _labelled("&Staff", self.staff, filters)
        self.date_from = DateField("from date", optional=True)
        self.date_from.setAccessibleName("From date")
        self.date_from.setPlaceholderText("dd/mm/yyyy")
        self.date_from.setMaximumWidth(150)
        _labelled("&From", self.date_from, filters)
        self.date_to = DateField("to date", optional=True)
        self.date_to.setAccessibleName("To date")
        self.date_to.setPlaceholderText("dd/mm/yyyy")
        self.date_to.setMaximumWidth(150)
        _labelled("T&o", self.date_to, filters)
        filters.addStretch(1)
        layout.addLayout(filters)

        jumps = QHBoxLayout()
        self.row_box = QSpinBox()
        self.row_box.setRange(1, 1)
        self.row_box.setAccessibleName("Row number to go to")
        self.row_box.setMinimumWidth(110)
        _labelled("&Row", self.row_box, jumps)
        self.go_row = QPushButton("&Go to row")
        jumps.addWidget(self.go_row)
        self.jump_date = DateField("date to go to")
        self.jump_date.setAccessibleName("Date to go to")
        self.jump_date.setMaximumWidth(150)
        _labelled("D&ate", self.jump_date, jumps)
        self.go_date = QPushButton("Go to da&te")
        jumps.addWidget(self.go_date)
        jumps.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of entries shown")
        jumps.addWidget(self.count_label)
        layout.addLayout(jumps)

        self.table = ListView()
        self.table.setModel(self.model)
        # Typing a family's reference or a name goes to that family's newest entry (indexed queries),
        # never Qt's own search, which would read every page of the log.
        self.table.search_with(self.row_of_typed_family)
        self.table.setAccessibleName("Support log")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measure 250,000 rows
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vertical.setMinimumWidth(self.fontMetrics().horizontalAdvance("250,000") + 8)
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(60)
        metrics = self.fontMetrics()
        date_width = metrics.horizontalAdvance("00/00/00000") + 12
        time_width = metrics.horizontalAdvance("10 h 30 min") + 16
        widths = (date_width, 90, 150, 65, 200, time_width, 110, 85, 250, date_width)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        for column in (EntryTableModel.ACTIVITY, EntryTableModel.NOTE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        footer = QHBoxLayout()
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #B00020;")
        self.problem.setWordWrap(True)
        footer.addWidget(self.problem, 1)
        self.open_button = QPushButton("&Open family page")
        self.log_button = QPushButton("&Log support")
        footer.addWidget(self.open_button)
        footer.addWidget(self.log_button)
        layout.addLayout(footer)

        for combo in (self.domain, self.kind, self.staff):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for field in (self.date_from, self.date_to):
            field.returnPressed.connect(self.apply_filter)
            field.editingFinished.connect(self._apply_if_dates_changed)
        self.go_row.clicked.connect(lambda: self.go_to_row(self.row_box.value() - 1))
        row_edit = self.row_box.findChild(QLineEdit)
        if row_edit is not None:  # Enter in the row box goes there
            row_edit.returnPressed.connect(lambda: self.go_to_row(self.row_box.value() - 1))
        self.jump_date.returnPressed.connect(self.go_to_typed_date)
        self.go_date.clicked.connect(self.go_to_typed_date)
        self.table.activated.connect(lambda index: self._open_family_at(index.row()))
        self.open_button.clicked.connect(lambda: self._open_family_at(self.table.currentIndex().row()))
        self.log_button.clicked.connect(lambda: self.ctx.quick_log_requested.emit(self._family_at_current()))
        self.setFocusProxy(self.table)
        self._dates_applied: tuple[str, str] = ("", "")

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        if not self.ctx.is_unlocked:
            self.model.clear()
            return
        self._fill_lookups()
        self.apply_filter()

    def current_filter(self) -> EntryFilter:
        """The filter the controls describe; a date that cannot be read raises ValidationError."""
        domain = self.domain.currentData()
        kind = self.kind.currentData()
        return EntryFilter(
            domain=Domain(domain) if domain else None,
            kind=Kind(kind) if kind else None,
            staff_id=self.staff.currentData(),
            date_from=self.date_from.date(),
            date_to=self.date_to.date(),
        )

    def apply_filter(self) -> None:
        if not self.ctx.is_unlocked:
            return
        self.problem.clear()
        try:
            flt = self.current_filter()
        except ValidationError as exc:
            self.problem.setText(plain_message(exc))
            return
        self._dates_applied = (self.date_from.text(), self.date_to.text())
        started = time.perf_counter()
        # From the top: a view scrolled past the end of a shorter new list makes Qt ask the header
        # about every row (seconds for 60,000 rows).
        self.table.scrollToTop()
        self.model.set_filter(flt)
        if self.model.rowCount():
            self.model.record(0)
        self.last_open_ms = (time.perf_counter() - started) * 1000
        self._show_count()

    def _show_count(self, _count: int = 0) -> None:
        if self.model.counting:  # a filter no index answers alone: counted on a worker thread
            self.count_label.setText("Counting…")
            return
        total = self.model.rowCount()
        self.count_label.setText(count_text(total, "entry", "entries"))
        self.row_box.setRange(1, max(total, 1))

    def go_to_row(self, row: int) -> None:
        """Scroll to and select ``row`` (0-based), clamped to the list."""
        total = self.model.rowCount()
        if not total:
            return
        row = max(0, min(row, total - 1))
        index = self.model.index(row, 0)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        self.table.selectRow(row)
        self.table.setFocus()

    def row_of_typed_family(self, text: str) -> int | None:
        """The row of the newest entry of the first family whose reference or names match ``text``."""
        text = text.strip()
        if not text or not self.ctx.is_unlocked:
            return None
        self._search_job += 1
        self.table.use_default_order()  # a family's newest entry is found in the newest-first order
        job, flt = self._search_job, self.model.filter
        try:
            session = self.ctx.session
            for match in families.search_families(session, text, limit=5):
                row = support_log.log_row_of_family(session, flt, match.id, budget_ms=SEARCH_BUDGET_MS)
                if row is OVER_BUDGET:  # a filter no index answers alone: ask a worker thread
                    self.problem.setText(f"Looking for {match.ref}…")
                    run_with_session(
                        self.ctx,
                        lambda s, family=match.id: support_log.log_row_of_family(s, flt, family),
                        lambda found, ref=match.ref: self._found_later(job, flt, ref, found),
                    )
                    return None
                if row is not None:
                    self.problem.clear()
                    return row
        except AppError as exc:
            self.problem.setText(plain_message(exc))
            return None
        self.problem.setText(f"No family matching '{text}' in this list.")
        return None

    def _found_later(self, job: int, flt: EntryFilter, ref: str, row: int | None) -> None:
        if (
            job != self._search_job
            or flt != self.model.filter
            or not self.model.is_default_order
            or not self.ctx.is_unlocked
        ):
            return  # typed on, or the list changed or was sorted, meanwhile
        if row is None or row >= self.model.rowCount():
            self.problem.setText(f"No entries of {ref} in this list.")
            return
        self.problem.clear()
        self.table.show_row(row)

    def go_to_typed_date(self) -> None:
        self.problem.clear()
        try:
            day = self.jump_date.date()
            self.table.use_default_order()  # dates are found in the newest-first order
            row = self.model.row_of_date(day)
        except AppError as exc:
            self.problem.setText(plain_message(exc))
            return
        if row >= self.model.rowCount():
            self.problem.setText("No entries on or before that date in this list.")
            row = self.model.rowCount() - 1
        self.go_to_row(row)

    # --- reactions -------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _apply_if_dates_changed(self) -> None:
        if (self.date_from.text(), self.date_to.text()) != self._dates_applied:
            self.apply_filter()

    def _family_at_current(self) -> int | None:
        record = self.model.data(self.table.currentIndex(), RECORD_ROLE)
        return record.family_id if record is not None else None

    def _open_family_at(self, row: int) -> None:
        record = self.model.record(row) if row >= 0 else None
        if record is not None:
            self.ctx.open_family_requested.emit(record.family_id)

    def _on_data_changed(self, what: str) -> None:
        if what in ("entries", "families", "staff", "settings"):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self.model.clear()
            self.count_label.clear()
            self._stale = True
        elif self.isVisible():
            self.refresh()

    def _show_problem(self, message: str) -> None:
        self.problem.setText(message)

    def _fill_lookups(self) -> None:
        nation = self.ctx.nation
        _refill(self.domain, [("All domains", None)] + [(d.label(nation), d.value) for d in DOMAIN_ORDER])
        try:
            people = [(u.display_name, u.id) for u in staff.list_users(self.ctx.session)]
        except AppError:
            people = []
        _refill(self.staff, [("Everyone", None)] + people)
