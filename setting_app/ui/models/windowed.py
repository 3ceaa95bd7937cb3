"""A table model that holds only a few pages of a long list in memory.

``rowCount`` is the list's total (one COUNT query); ``data()`` reads from a small LRU cache of pages
and fetches a missing page on demand. The view only asks for the rows it paints, so opening a list
of 250,000 rows and jumping to its end touches one or two pages, never the whole table.

The session is taken from the ``AppContext`` on every fetch (it is replaced on lock and unlock); no
connection is kept. If a fetch fails with an ``AppError`` (most often: the casebook was locked) the
model stops fetching, emits ``load_failed`` once and shows empty cells until ``refresh()``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from setting_app.domain.errors import AppError
from setting_app.services.session import Session

from setting_app.ui.context import AppContext

#: data() role returning the row's record (a frozen dataclass) for any column.
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1

#: The roles these models answer; views ask for a dozen others per cell on every paint, and a quick
#: "no" for those keeps scrolling smooth (Python-level enum work there is measurable).
ANSWERED_ROLES = frozenset(
    int(role.value) if hasattr(role, "value") else int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        RECORD_ROLE,
    )
)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

AnyIndex = QModelIndex | QPersistentModelIndex


class WindowedTableModel(QAbstractTableModel):
    """Subclasses set ``COLUMNS`` and implement ``_count``, ``_fetch_page`` and ``_cell``."""

    COLUMNS: tuple[str, ...] = ()
    #: Roles ``_cell`` may answer; a subclass answering more (colours, fonts) extends this set.
    ROLES: frozenset[int] = ANSWERED_ROLES
    load_failed = Signal(str)
    #: A count made on a worker thread has arrived: the list now has this many rows.
    counted = Signal(int)
    #: How long ``refresh`` may count on the UI thread (None: no limit). Over it, the list shows no
    #: rows and ``counting`` is True until the worker's count arrives (``counted``).
    COUNT_BUDGET_MS: float | None = None
    #: Columns a header click sorts by (done in SQL by the subclass's ``_set_sort``): column -> sort name.
    #: Empty: the list keeps its query's order and header clicks do nothing.
    SORTABLE: dict[int, str] = {}
    #: Columns whose first click sorts descending (dates: newest first); others start ascending.
    FIRST_DESCENDING: frozenset[int] = frozenset()
    #: The list's own order, as (column, order); ``None`` for an unsortable list.
    DEFAULT_SORT: tuple[int, Qt.SortOrder] | None = None
    #: How long finding the current row again after a sort may take on the UI thread.
    ROW_BUDGET_MS = 100.0

    def __init__(
        self, ctx: AppContext, *, page_size: int = 200, max_pages: int = 8, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_size = page_size
        self.max_pages = max_pages
        #: How many pages have been fetched from the database since the model was made (for tests).
        self.fetch_count = 0
        self._row_count = 0
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._failed = False
        self._generation = 0
        #: True while the count is being made on a worker thread.
        self.counting = False
        self._sort = self.DEFAULT_SORT

    # --- for subclasses --------------------------------------------------------------------------

    def _prepare(self, session: Session) -> None:
        """Load small lookups (staff names, labels) once per refresh."""

    def _count(self, session: Session) -> int:
        raise NotImplementedError

    def _fetch_page(self, session: Session, page: int, start: int, size: int) -> list[Any]:
        raise NotImplementedError

    def _cell(self, record: Any, column: int, role: int) -> Any:
        raise NotImplementedError

    def _forget(self) -> None:
        """Drop whatever the subclass keeps besides the pages (on refresh and clear)."""

    def _set_sort(self, name: str, descending: bool) -> None:
        """Order the list by the whitelisted sort ``name`` from the next fetch on."""
        raise NotImplementedError

    def _row_of(self, session: Session, record: Any, budget_ms: float) -> int | None:
        """Where ``record`` sits in the current order (an indexed count), or None if not known quickly."""
        return None

    def _count_within(self, session: Session, budget_ms: float) -> int | None:
        """The count if it is quicker than ``budget_ms``, else None (subclasses with slow counts)."""
        return self._count(session)

    def _count_job(self) -> Callable[[Session], int]:
        """The count to make on a worker thread (with the filter as it is now)."""
        return self._count

    # --- public ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Count again and drop every cached page (after a filter change or a save)."""
        self.beginResetModel()
        self._generation += 1
        self.counting = False
        self._pages.clear()
        self._forget()
        self._failed = False
        self._row_count = 0
        try:
            session = self.ctx.session
            self._prepare(session)
            if self.COUNT_BUDGET_MS is None:
                self._row_count = self._count(session)
            else:
                count = self._count_within(session, self.COUNT_BUDGET_MS)
                if count is None:
                    self._count_in_background()
                else:
                    self._row_count = count
        except AppError as exc:
            self._failed = True
            self.load_failed.emit(exc.message)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's sort, done in SQL: the next pages are read in the new order (the count stays)."""
        name = self.SORTABLE.get(column)
        if name is None:
            return
        self.beginResetModel()
        self._set_sort(name, order == Qt.SortOrder.DescendingOrder)
        self._sort = (column, order)
        self._pages.clear()
        self._forget()
        self.endResetModel()

    @property
    def sort_indicator(self) -> tuple[int, Qt.SortOrder] | None:
        """The column and order the list is sorted by (None: an unsortable list)."""
        return self._sort

    @property
    def is_default_order(self) -> bool:
        return self._sort == self.DEFAULT_SORT

    def sort_anchor(self, row: int) -> Any | None:
        """What identifies ``row``'s item across a sort (for ``ListView`` to find it again)."""
        return self.record(row)

    def row_of_anchor(self, anchor: Any) -> int | None:
        return self.row_of(anchor)

    def row_of(self, record: Any) -> int | None:
        """The row ``record`` has now (after a sort), or None if it is not known within ``ROW_BUDGET_MS``."""
        if record is None or self._failed:
            return None
        try:
            row = self._row_of(self.ctx.session, record, self.ROW_BUDGET_MS)
        except AppError:
            return None
        return row if row is not None and 0 <= row < self._row_count else None

    def clear(self) -> None:
        """Show nothing and hold no records (when the casebook locks)."""
        self.beginResetModel()
        self._generation += 1
        self.counting = False
        self._pages.clear()
        self._forget()
        self._row_count = 0
        self.endResetModel()

    def record(self, row: int) -> Any | None:
        """The record shown at ``row``, fetching its page if needed; None if out of range or unreadable."""
        if not 0 <= row < self._row_count or self._failed:
            return None
        page, offset = divmod(row, self.page_size)
        rows = self._pages.get(page)
        if rows is None:
            rows = self._load(page)
            if rows is None:
                return None
        else:
            self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    @property
    def cached_pages(self) -> list[int]:
        return list(self._pages)

    # --- Qt --------------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's own default)
        return 0 if parent.isValid() else self._row_count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return str(section + 1)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.ROLES or not index.isValid():
            return None
        record = self.record(index.row())
        if record is None:
            return None
        if role == RECORD_ROLE:
            return record
        return self._cell(record, index.column(), role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # --- internals -------------------------------------------------------------------------------

    def _count_in_background(self) -> None:
        from setting_app.ui.workers import run_with_session

        generation = self._generation
        self.counting = True
        run_with_session(
            self.ctx,
            self._count_job(),
            lambda count: self._counted(generation, count),
            lambda error: self._count_failed(generation, error),
        )

    def _counted(self, generation: int, count: int) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return  # the filter changed, or the casebook locked, while counting
        self.beginResetModel()
        self.counting = False
        self._pages.clear()
        self._forget()
        self._row_count = count
        self.endResetModel()
        self.counted.emit(count)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation or not shiboken6.isValid(self):
            return
        self.counting = False
        if not isinstance(error, AppError):
            raise error
        self._failed = True
        self.load_failed.emit(error.message)

    def _load(self, page: int) -> list[Any] | None:
        start = page * self.page_size
        size = min(self.page_size, self._row_count - start)
        try:
            rows = self._fetch_page(self.ctx.session, page, start, size)
        except AppError as exc:
            self._failed = True
            self.load_failed.emit(exc.message)
            return None
        self.fetch_count += 1
        self._pages[page] = rows
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return rows
