"""A table view whose Qt defaults never walk the whole model.

Qt's ``QTableView`` has behaviours that ask the model for every row: type-to-search
(``keyboardSearch`` calls ``model.match`` from the current row to the end and round again), sorting on
a header click, measuring a column to fit its contents (double-click on a header edge: up to 1,000
rows by default), select-all. On a windowed list of 250,000 entries each of these reads every page
of the casebook (8.8 s for one key on the ten-year demo). ``ListView`` tames them all:

- typing in the list goes to the screen's own search box (``route_typing_to``) or to a function
  answering with an indexed query (``search_with``); without either, typing is ignored on a windowed
  list and searches only a small in-memory one (at most ``IN_MEMORY_SEARCH_LIMIT`` rows);
- header clicks do not sort (the lists come in the order their query gives) and select nothing;
- column sizing only measures the rows on screen;
- select-all selects nothing on a windowed list, and Copy puts the current row's text (one row) on
  the clipboard.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QLineEdit, QTableView, QWidget

from setting_app.ui.models.windowed import WindowedTableModel

#: A model with no more rows than this may use Qt's own type-to-search (it is all in memory).
IN_MEMORY_SEARCH_LIMIT = 2_000


def is_windowed(model: object) -> bool:
    return isinstance(model, WindowedTableModel)


class ListView(QTableView):
    """A ``QTableView`` that keeps every action bounded (see the module's docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self._typed_timer = QElapsedTimer()
        self._route: QLineEdit | None = None
        self._search: Callable[[str], int | None] | None = None
        #: What typing last did (for tests and the benchmark): "routed", "found", "not found", "ignored".
        self.last_search = ""
        self.setSortingEnabled(False)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            tame_header(header)

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
