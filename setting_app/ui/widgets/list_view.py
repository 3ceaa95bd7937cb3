"""A table view whose Qt defaults never walk the whole model.

Qt's ``QTableView`` has behaviours that ask the model for every row: type-to-search
(``keyboardSearch`` calls ``model.match`` from the current row to the end and round again), sorting on
a header click, measuring a column to fit its contents (double-click on a header edge: up to 1,000
rows by default), select-all. On a windowed list of 250,000 entries each of these reads every page
of the casebook (8.8 s for one key on the ten-year demo). ``ListView`` tames them all:

- typing in the list goes to the screen's own search box (``route_typing_to``) or to a function
  answering with an indexed query (``search_with``); without either, typing is ignored on a windowed
  list and searches only a small in-memory one (at most ``IN_MEMORY_SEARCH_LIMIT`` rows);
- header clicks sort in SQL on a list whose model names its sortable columns (``SORTABLE``: a
  whitelist, each with an index), keep the current row where it can be found quickly, and show the
  sort indicator; on other columns and lists they do nothing (the list keeps its query's order) and
  never select a whole column;
- column sizing only measures the rows on screen;
- select-all selects nothing on a windowed list, and Copy puts the current row's text (one row) on
  the clipboard.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QLineEdit, QTableView, QWidget

from setting_app.ui.models.windowed import WindowedTableModel

#: A model with no more rows than this may use Qt's own type-to-search (it is all in memory).
IN_MEMORY_SEARCH_LIMIT = 2_000


def is_windowed(model: object) -> bool:
    return isinstance(model, WindowedTableModel)


class ListView(QTableView):
    """A ``QTableView`` that keeps every action bounded (see the module's docstring)."""

    #: A header click sorted the list (column, order).
    sorted = Signal(int, Qt.SortOrder)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self._typed_timer = QElapsedTimer()
        self._route: QLineEdit | None = None
        self._search: Callable[[str], int | None] | None = None
        #: What typing last did (for tests and the benchmark): "routed", "found", "not found", "ignored".
        self.last_search = ""
        #: How long the last header-click sort took on the UI thread, in ms (for tests and the benchmark).
        self.last_sort_ms = 0.0
        self.setSortingEnabled(False)  # Qt's own sorting would ask the model to sort itself in memory
        for header in (self.horizontalHeader(), self.verticalHeader()):
            tame_header(header)
        self.horizontalHeader().sectionClicked.connect(self._header_clicked)

    # --- configuration ---------------------------------------------------------------------------

    def route_typing_to(self, field: QLineEdit) -> None:
        """Send typed text to ``field`` (the screen's search box), which takes the focus."""
        self._route = field

    def search_with(self, search: Callable[[str], int | None]) -> None:
        """Answer typed text with ``search(text)``: the row to go to (an indexed query), or None."""
        self._search = search

    def setHorizontalHeader(self, header: QHeaderView) -> None:  # noqa: N802 (Qt's name)
        super().setHorizontalHeader(header)
        tame_header(header)
        header.sectionClicked.connect(self._header_clicked)
        self._show_sort()

    def setModel(self, model) -> None:  # noqa: N802
        super().setModel(model)
        self._show_sort()

    # --- sorting (in SQL, by the model) ----------------------------------------------------------

    def sortable_columns(self) -> frozenset[int]:
        return frozenset(getattr(self.model(), "SORTABLE", {}) or ())

    def sort_by(self, column: int, order: Qt.SortOrder) -> bool:
        """Sort by ``column`` as a header click would, keeping the current row if it can be found
        within the model's ``ROW_BUDGET_MS`` (else going to the top). False if it cannot sort by it."""
        model = self.model()
        if column not in self.sortable_columns():
            self._show_sort()
            return False
        started = time.perf_counter()
        current = self.currentIndex()
        anchor = model.sort_anchor(current.row()) if current.isValid() else None
        column_now = max(current.column(), 0)
        model.sort(column, order)
        self._show_sort()
        row = model.row_of_anchor(anchor) if anchor is not None else None
        if row is None:
            self.scrollToTop()
        else:
            index = model.index(row, column_now)
            self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            self.setCurrentIndex(index)
            self.selectRow(row)
        self.last_sort_ms = (time.perf_counter() - started) * 1000
        self.sorted.emit(column, order)
        return True

    def use_default_order(self) -> None:
        """Back to the list's own order (before a jump that only that order answers, such as a date)."""
        model = self.model()
        default = getattr(model, "DEFAULT_SORT", None)
        if default is not None and not model.is_default_order:
            self.sort_by(*default)

    def _header_clicked(self, column: int) -> None:
        model = self.model()
        if column not in self.sortable_columns():
            self._show_sort()  # undo the indicator Qt moved on the click
            return
        now = model.sort_indicator
        if now is not None and now[0] == column:
            descending = now[1] == Qt.SortOrder.AscendingOrder  # the same column again: the other way
        else:
            descending = column in model.FIRST_DESCENDING
        self.sort_by(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)

    def _show_sort(self) -> None:
        header = self.horizontalHeader()
        model = self.model()
        indicator = getattr(model, "sort_indicator", None) if self.sortable_columns() else None
        header.setSectionsClickable(indicator is not None)
        header.setSortIndicatorShown(indicator is not None)
        if indicator is not None:
            header.blockSignals(True)  # nothing listens for Qt's own sorting; keep it that way
            header.setSortIndicator(*indicator)
            header.blockSignals(False)

    def setVerticalHeader(self, header: QHeaderView) -> None:  # noqa: N802
        super().setVerticalHeader(header)
        tame_header(header)

    # --- the tamed defaults ----------------------------------------------------------------------

    def keyboardSearch(self, search: str) -> None:  # noqa: N802
        if not search:
            return
        interval = QApplication.keyboardInputInterval()
        continuing = self._typed_timer.isValid() and self._typed_timer.elapsed() <= interval
        if not continuing:
            self._typed = ""
        self._typed_timer.restart()
        if self._route is not None:
            field = self._route
            if field.isVisible() and field.isEnabled() and not field.isReadOnly():
                field.setFocus(Qt.FocusReason.OtherFocusReason)
                if continuing:
                    field.end(False)
                else:
                    field.selectAll()  # a new search replaces the old one
                field.insert(search)  # emits textEdited, as typing there would
                self.last_search = "routed"
            else:
                self.last_search = "ignored"
            return
        self._typed += search
        model = self.model()
        if self._search is not None:
            row = self._search(self._typed)
            if row is None or model is None or not 0 <= row < model.rowCount():
                self.last_search = "not found"
                return
            self._go_to(row)
            self.last_search = "found"
            return
        if model is None or is_windowed(model) or model.rowCount() > IN_MEMORY_SEARCH_LIMIT:
            self.last_search = "ignored"
            return
        self._typed = ""
        super().keyboardSearch(search)
        self.last_search = "qt"

    def selectAll(self) -> None:  # noqa: N802
        if is_windowed(self.model()):
            return  # "all" is 250,000 rows read page by page by whatever then asks for them
        super().selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_current_row()
            event.accept()
            return
        super().keyPressEvent(event)

    def copy_current_row(self) -> str:
        """Put the current row's cells on the clipboard, tab-separated (never more than one row)."""
        model, index = self.model(), self.currentIndex()
        if model is None or not index.isValid():
            return ""
        cells = []
        for column in range(model.columnCount()):
            if self.isColumnHidden(column):
                continue
            value = model.data(model.index(index.row(), column), Qt.ItemDataRole.DisplayRole)
            cells.append("" if value is None else str(value))
        text = "\t".join(cells)
        QGuiApplication.clipboard().setText(text)
        return text

    def show_row(self, row: int) -> None:
        """Scroll to, select and make current ``row`` (an answer that arrived later)."""
        model = self.model()
        if model is not None and 0 <= row < model.rowCount():
            self._go_to(row)
            self.last_search = "found"

    def _go_to(self, row: int) -> None:
        index = self.model().index(row, max(self.currentIndex().column(), 0))
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.setCurrentIndex(index)
        self.selectRow(row)


def tame_header(header: QHeaderView) -> None:
    """A header whose clicks neither sort nor select, and whose sizing measures only visible rows."""
    header.setSortIndicatorShown(False)
    header.setSectionsClickable(False)
    header.setHighlightSections(False)
    header.setResizeContentsPrecision(0)  # 0: only the rows on screen (default: up to 1,000 rows)
