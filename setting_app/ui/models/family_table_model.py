"""The Families list, in reference order, read in pages through ``FamilyFilter``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from setting_app.services import families, staff
from setting_app.services.session import Session
from setting_app.storage.family_repo import BY_REF, FamilyFilter, FamilyRow, FamilySort

from setting_app.ui.formatting import names_text, uk_date
from setting_app.ui.models.windowed import WindowedTableModel


class FamilyTableModel(WindowedTableModel):
    COLUMNS = ("Reference", "Carers", "Children", "Key worker", "Opened", "Status", "Last support")
    REF, CARERS, CHILDREN, KEY_WORKER, OPENED, STATUS, LAST_SUPPORT = range(7)
    # Sorted in SQL (family_repo.FAMILY_SORTS). Carers and children are several names per family:
    # no one order of them means much, so those headers do not sort.
    SORTABLE = {
        REF: "ref",
        KEY_WORKER: "key_worker",
        OPENED: "opened",
        STATUS: "status",
        LAST_SUPPORT: "last_support",
    }
    FIRST_DESCENDING = frozenset({OPENED, LAST_SUPPORT})
    DEFAULT_SORT = (REF, Qt.SortOrder.AscendingOrder)

    def __init__(self, ctx, *, page_size: int = 200, max_pages: int = 8, parent: Any = None) -> None:
        super().__init__(ctx, page_size=page_size, max_pages=max_pages, parent=parent)
        self.filter = FamilyFilter()
        self.order: FamilySort = BY_REF
        self._staff_names: dict[int, str] = {}

    def set_filter(self, flt: FamilyFilter) -> None:
        self.filter = flt
        self.refresh()

    def family_id(self, row: int) -> int | None:
        record = self.record(row)
        return record.family.id if record is not None else None

    def _set_sort(self, name: str, descending: bool) -> None:
        self.order = FamilySort(name, descending)

    def _row_of(self, session: Session, record: FamilyRow, budget_ms: float) -> int | None:
        return families.row_of_family_in_list(session, self.filter, record.family.id, self.order)

    def _prepare(self, session: Session) -> None:
        self._staff_names = {u.id: u.display_name for u in staff.list_users(session)}

    def _count(self, session: Session) -> int:
        return families.count_families(session, self.filter)

    def _fetch_page(self, session: Session, page: int, start: int, size: int) -> list[FamilyRow]:
        return families.list_family_rows(session, self.filter, offset=start, limit=size, sort=self.order)

    def _cell(self, row: FamilyRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.CARERS and row.family.carers:
            return "\n".join(
                f"{c.name} ({c.relationship})" if c.relationship else c.name for c in row.family.carers
            )
        return None

    def _text(self, row: FamilyRow, column: int) -> str:
        family = row.family
        if column == self.REF:
            return family.ref
        if column == self.CARERS:
            return names_text(c.name for c in family.carers)
        if column == self.CHILDREN:
            return names_text(row.children)
        if column == self.KEY_WORKER:
            return self._staff_names.get(family.key_worker_id, "") if family.key_worker_id else ""
        if column == self.OPENED:
            return uk_date(family.opened_on)
        if column == self.STATUS:
            return "Open" if family.is_open else f"Closed {uk_date(family.closed_on)}"
        if column == self.LAST_SUPPORT:
            return uk_date(row.last_support_on)
        return ""
