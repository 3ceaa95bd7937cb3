"""The queue of directory services whose category is still to review, each with a tick box."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from setting_app.domain.codes import Nation
from setting_app.domain.referrals import Service

AnyIndex = QModelIndex | QPersistentModelIndex


class ServiceReviewModel(QAbstractTableModel):
    NAME, ORGANISATION, SUGGESTION, REASON = range(4)
    COLUMNS = ("Service", "Organisation", "Suggested category", "Why")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Service] = []
        self._ticked: set[int] = set()
        self._nation = Nation.ENGLAND

    def set_services(self, services: list[Service], nation: Nation = Nation.ENGLAND) -> None:
        self.beginResetModel()
        self._rows = list(services)
        self._nation = nation
        self._ticked &= {s.id for s in self._rows}
        self.endResetModel()

    def service_at(self, row: int) -> Service | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def ticked(self) -> list[Service]:
        return [s for s in self._rows if s.id in self._ticked]

    def set_ticked(self, ids: set[int]) -> None:
        self._ticked = ids & {s.id for s in self._rows}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.NAME:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == self.NAME:
            return Qt.CheckState.Checked if s.id in self._ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return s.description[:600] or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.NAME:
            return s.name
        if column == self.ORGANISATION:
            return s.organisation
        if column == self.SUGGESTION:
            return s.suggested_category.label_for(self._nation) if s.suggested_category else "(none)"
        if column == self.REASON:
            return s.suggestion_reason
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != self.NAME:
            return False
        service = self._rows[index.row()]
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        if checked:
            self._ticked.add(service.id)
        else:
            self._ticked.discard(service.id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True
