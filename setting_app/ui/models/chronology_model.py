"""One family's chronology: support entries and referrals merged in date order.

A family's history is small (hundreds of rows at most), so the model holds it whole; the page opens
a 500-entry family in a few tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from setting_app.domain.codes import Domain, Nation
from setting_app.domain.models import Referral, SupportEntry

from setting_app.ui.formatting import first_line, minutes_text, uk_date
from setting_app.ui.models.windowed import RECORD_ROLE
from setting_app.ui.widgets.domain_chip import domain_icon


@dataclass(frozen=True)
class ChronologyItem:
    """A row of the chronology: an entry or a referral, with the names it needs already looked up."""

    day: date
    domain: Domain
    record: SupportEntry | Referral
    what: str
    child: str
    staff: str
    #: The setting this record came from by a transfer ("" for this setting's own work).
    received_from: str = ""

    @property
    def is_referral(self) -> bool:
        return isinstance(self.record, Referral)

    @property
    def type_text(self) -> str:
        return "Referral" if self.is_referral else self.record.kind.label

    @property
    def note(self) -> str:
        return self.record.note

    @property
    def key(self) -> tuple[str, int]:
        """Tells an entry from a referral with the same number."""
        return ("referral" if self.is_referral else "entry", self.record.id)

    @property
    def restricted(self) -> bool:
        return bool(getattr(self.record, "restricted", False))

    @property
    def amended(self) -> bool:
        return getattr(self.record, "version", 1) > 1

    @property
    def marks(self) -> str:
        """Words (not only colour) for the row's state: amended, restricted, received from another setting."""
        marks = [
            word
            for word, on in (
                ("received", bool(self.received_from)),
                ("amended", self.amended),
                ("restricted", self.restricted),
            )
            if on
        ]
        return f" ({', '.join(marks)})" if marks else ""


#: Shown instead of a restricted record's text until a manager opens it with a reason.
HIDDEN_TEXT = "Restricted: open it to read (you will be asked why)"


class ChronologyModel(QAbstractTableModel):
    COLUMNS = ("Date", "Domain", "Type", "What", "Child", "Staff", "Time", "Note")
    DATE, DOMAIN, TYPE, WHAT, CHILD, STAFF, MINUTES, NOTE = range(8)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[ChronologyItem] = []
        self.nation = Nation.ENGLAND
        #: Restricted records opened (with a reason) since the family page was opened.
        self.revealed: set[tuple[str, int]] = set()

    def is_hidden(self, item: ChronologyItem) -> bool:
        return item.restricted and item.key not in self.revealed

    def reveal(self, key: tuple[str, int]) -> None:
        self.revealed.add(key)
        rows = [row for row, item in enumerate(self.items) if item.key == key]
        if rows:
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], len(self.COLUMNS) - 1))

    def set_items(self, items: list[ChronologyItem], nation: Nation) -> None:
        self.beginResetModel()
        self.items = sorted(items, key=lambda i: (i.day, i.is_referral, i.record.id))
        self.nation = nation
        self.endResetModel()

    def clear(self) -> None:
        self.set_items([], self.nation)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == RECORD_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.DecorationRole and column == self.DOMAIN:
            return domain_icon(item.domain)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.NOTE and self.is_hidden(item):
                return HIDDEN_TEXT
            if column == self.NOTE and item.note:
                return item.note
            if column == self.DOMAIN:
                return item.domain.label(self.nation)
            if column == self.TYPE and item.received_from:
                return f"Received from {item.received_from}: recorded there, not by this setting"
        if role == Qt.ItemDataRole.FontRole and item.received_from:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.MINUTES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, item: ChronologyItem, column: int) -> str:
        if column == self.DATE:
            return uk_date(item.day)
        if column == self.DOMAIN:
            return item.domain.short_label(self.nation)
        if column == self.TYPE:
            return item.type_text + item.marks
        if column == self.WHAT:
            return "Restricted referral" if item.is_referral and self.is_hidden(item) else item.what
        if column == self.CHILD:
            return item.child
        if column == self.STAFF:
            return item.staff
        if column == self.MINUTES:
            return "" if item.is_referral else minutes_text(item.record.minutes)
        if column == self.NOTE:
            return HIDDEN_TEXT if self.is_hidden(item) else first_line(item.note)
        return ""
