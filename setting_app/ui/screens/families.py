"""Families: find a family by reference, carer or child name; add and edit families.

The search runs 150 ms after the last key press, in the UI thread: one COUNT and one page of 200
rows, a few milliseconds for thousands of families (``last_query_ms`` keeps the latest timing).
Down moves from the search box into the list; Enter (or a double click) opens the family page.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain
from setting_app.domain.errors import AppError
from setting_app.services import staff
from setting_app.storage.family_repo import FamilyFilter

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.family_dialog import FamilyDialog
from setting_app.ui.formatting import count_text, month_bounds
from setting_app.ui.models.family_table_model import FamilyTableModel
from setting_app.ui.widgets.list_view import ListView

SEARCH_DELAY_MS = 150
STATUSES = (("Open", "open"), ("Closed", "closed"), ("All", "all"))


class FamiliesScreen(QWidget):
    #: Reloads itself on ``ctx.data_changed`` (the main window need not refresh it again).
    FOLLOWS_DATA_CHANGES = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_query_ms = 0.0
        self._stale = True
        self.model = FamilyTableModel(ctx, parent=self)
        self._build()
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.locked_changed.connect(self._on_locked_changed)
        self.model.load_failed.connect(self._show_problem)

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        title = QLabel("Families")
        title.setAccessibleName("Families")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by reference, carer or child name")
        self.search.setAccessibleName("Search families")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        filters.addWidget(search_label)
        filters.addWidget(self.search, 3)

        self.status = QComboBox()
        self.status.setAccessibleName("Show open, closed or all families")
        for label, code in STATUSES:
            self.status.addItem(label, code)
        status_label = QLabel("S&tatus")
        status_label.setBuddy(self.status)
        filters.addWidget(status_label)
        filters.addWidget(self.status)

        self.key_worker = QComboBox()
        self.key_worker.setAccessibleName("Key worker")
        worker_label = QLabel("&Key worker")
        worker_label.setBuddy(self.key_worker)
        filters.addWidget(worker_label)
        filters.addWidget(self.key_worker, 1)

        self.domain_seen = QComboBox()
        self.domain_seen.setAccessibleName("Supported this month in domain")
        seen_label = QLabel("Seen this &month for")
        seen_label.setBuddy(self.domain_seen)
        filters.addWidget(seen_label)
        filters.addWidget(self.domain_seen, 1)
        layout.addLayout(filters)

        self.table = ListView()
        self.table.setModel(self.model)
        self.table.route_typing_to(self.search)  # an indexed search, never Qt's walk of every row
        self.table.setAccessibleName("Families list")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in enumerate((110, 220, 200, 140, 95, 140, 100)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(FamilyTableModel.CARERS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(FamilyTableModel.CHILDREN, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        footer = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of families shown")
        footer.addWidget(self.count_label)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #B00020;")
        footer.addWidget(self.problem, 1)
        self.open_button = QPushButton("&Open family page")
        self.log_button = QPushButton("&Log support")
        self.edit_button = QPushButton("&Edit family")
        self.add_button = QPushButton("&Add family")
        for button in (self.open_button, self.log_button, self.edit_button, self.add_button):
            footer.addWidget(button)
        layout.addLayout(footer)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._on_search_return)
        for combo in (self.status, self.key_worker, self.domain_seen):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table.activated.connect(lambda index: self.open_family(self.model.family_id(index.row())))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self.open_button.clicked.connect(lambda: self.open_family(self.selected_family_id()))
        self.log_button.clicked.connect(lambda: self.ctx.quick_log_requested.emit(self.selected_family_id()))
        self.edit_button.clicked.connect(self.edit_selected)
        self.add_button.clicked.connect(self.add_family)

        for first, second in zip(
            (self.search, self.status, self.key_worker, self.domain_seen, self.table, self.open_button),
            (self.status, self.key_worker, self.domain_seen, self.table, self.open_button, self.log_button),
            strict=True,
        ):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.search)
        self._update_buttons()

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload lookups (staff, domain names) and the list, keeping the filters and the selection."""
        self._stale = False
        if not self.ctx.is_unlocked:
            self.model.clear()
            return
        self._fill_lookups()
        self.apply_filter()

    def current_filter(self) -> FamilyFilter:
        code = self.domain_seen.currentData()
        domain = Domain(code) if code else None
        first, last = month_bounds(self.ctx.clock.today())
        return FamilyFilter(
            search=self.search.text().strip(),
            status=self.status.currentData() or "open",
            key_worker_id=self.key_worker.currentData(),
            domain_seen=domain,
            seen_from=first if domain else None,
            seen_to=last if domain else None,
        )

    def apply_filter(self) -> None:
        self._search_timer.stop()
        if not self.ctx.is_unlocked:
            return
        selected = self.selected_family_id()
        self.problem.clear()
        started = time.perf_counter()
        self.table.scrollToTop()  # see LogScreen.apply_filter
        self.model.set_filter(self.current_filter())
        if self.model.rowCount():
            self.model.record(0)  # the first page, inside the timing
        self.last_query_ms = (time.perf_counter() - started) * 1000
        total = self.model.rowCount()
        self.count_label.setText(count_text(total, "family", "families"))
        if selected is not None:
            self.select_family(selected)

    def selected_family_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.family_id(index.row())

    def select_family(self, family_id: int) -> bool:
        """Select a family if it is within the first pages of the list."""
        for row in range(min(self.model.rowCount(), self.model.page_size)):
            if self.model.family_id(row) == family_id:
                self.table.selectRow(row)
                return True
        return False

    def open_family(self, family_id: int | None) -> None:
        if family_id is not None:
            self.ctx.open_family_requested.emit(family_id)

    def add_family(self) -> FamilyDialog:
        dialog = FamilyDialog(self.ctx, parent=self)
        dialog.saved.connect(self._after_save)
        dialog.open()
        return dialog

    def edit_selected(self) -> FamilyDialog | None:
        family_id = self.selected_family_id()
        if family_id is None:
            return None
        dialog = FamilyDialog(self.ctx, family_id, parent=self)
        dialog.saved.connect(self._after_save)
        dialog.open()
        return dialog

    # --- reactions -------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            if self._search_timer.isActive():
                self.apply_filter()
            if self.model.rowCount():
                self.table.setFocus()
                if self.selected_family_id() is None:
                    self.table.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _on_search_return(self) -> None:
        self.apply_filter()
        if self.model.rowCount() == 1:
            self.open_family(self.model.family_id(0))
        elif self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _after_save(self, family_id: int) -> None:
        self.apply_filter()
        self.select_family(family_id)

    def _on_data_changed(self, what: str) -> None:
        if what in ("families", "entries", "staff", "settings"):
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

    def _update_buttons(self) -> None:
        chosen = self.selected_family_id() is not None
        for button in (self.open_button, self.log_button, self.edit_button):
            button.setEnabled(chosen)

    def _fill_lookups(self) -> None:
        nation = self.ctx.nation
        _refill(
            self.key_worker,
            [("Anyone", None)] + self._staff_items(),
        )
        _refill(
            self.domain_seen,
            [("Any or none", None)] + [(d.label(nation), d.value) for d in DOMAIN_ORDER],
        )

    def _staff_items(self) -> list[tuple[str, object]]:
        try:
            return [(u.display_name, u.id) for u in staff.list_users(self.ctx.session) if u.active]
        except AppError:
            return []


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace a combo's items, keeping the current choice if it is still there, without signals."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)
