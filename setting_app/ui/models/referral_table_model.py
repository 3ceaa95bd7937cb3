"""Referrals grouped by status, for the Referrals board: a header row before each status, then its
referrals, most pressing first.

Overdue referrals are marked in two ways: a tinted row AND the words "OVERDUE n days" in the follow-up
column (never colour alone). The list is small (open referrals of one setting, or a capped list of
closed ones), so it is loaded whole with ``set_referrals``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from setting_app.domain.codes import Nation, ReferralStatus
from setting_app.domain.referrals import (
    STATUS_ORDER,
    Service,
    SharingDecision,
    SharingRecord,
    TrackedReferral,
    status_label,
)
from setting_app.storage.referral_repo import MOST_PRESSING, ReferralSort

from setting_app.ui.formatting import count_text, uk_date
from setting_app.ui.widgets.domain_chip import domain_icon

#: data() role returning the row's TrackedReferral (None on a header row).
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
#: data() role returning the status of a header row (None on a referral row).
GROUP_ROLE = Qt.ItemDataRole.UserRole + 2

OVERDUE_BACKGROUND = QColor("#FBDCCB")  # light vermilion (Okabe-Ito #D55E00, tinted)
OVERDUE_TEXT = QColor("#8A2E00")  # 7.6:1 on the tint
DUE_TODAY_BACKGROUND = QColor("#FFF0C2")
HEADER_BACKGROUND = QColor("#E3E9F0")

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class StatusGroup:
    status: ReferralStatus
    count: int
    due: int
    overdue: int

    @property
    def title(self) -> str:
        text = f"{status_label(self.status)}: {count_text(self.count, 'referral')}"
        marks = []
        if self.overdue:
            marks.append(f"{self.overdue} overdue")
        if self.due - self.overdue:
            marks.append(f"{self.due - self.overdue} due today")
        return f"{text} ({', '.join(marks)})" if marks else text


def follow_up_text(referral: TrackedReferral, today: date) -> str:
    if referral.due_on is None or not referral.is_awaiting:
        return ""
    overdue = referral.days_overdue(today)
    if overdue:
        return f"OVERDUE {overdue} day{'s' if overdue != 1 else ''} ({uk_date(referral.due_on)})"
    if referral.due_on == today:
        return f"Due today ({uk_date(referral.due_on)})"
    return uk_date(referral.due_on)


class ReferralTableModel(QAbstractTableModel):
    STATUS, FOLLOW_UP, FAMILY, CHILD, SERVICE, CATEGORY, DOMAIN, URGENCY, MADE = range(9)
    COLUMNS = ("Status", "Follow up", "Family", "Child", "Service", "Category", "Domain", "Urgency", "Made")
    # Header clicks sort within each status, in SQL (referral_repo.REFERRAL_SORTS), through ``reload``
    # (the screen's query). Status is the grouping itself; service, category and domain show labels
    # chosen elsewhere (the directory, the nation), which the database cannot order by.
    SORTABLE = {FOLLOW_UP: "follow_up", FAMILY: "family", CHILD: "child", URGENCY: "urgency", MADE: "made"}
    FIRST_DESCENDING = frozenset({MADE})
    DEFAULT_SORT = (FOLLOW_UP, Qt.SortOrder.AscendingOrder)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StatusGroup | TrackedReferral] = []
        #: The order within each status, for the screen's query.
        self.order: ReferralSort = MOST_PRESSING
        self._sort: tuple[int, Qt.SortOrder] = self.DEFAULT_SORT
        #: Reads the referrals again in ``order`` (set by the screen; the list is its query's answer).
        self.reload: Callable[[], None] | None = None
        self._today = date.today()
        self._nation = Nation.ENGLAND
        self._grouped = True

    # -- loading ------------------------------------------------------------------------------

    def set_referrals(
        self,
        referrals: list[TrackedReferral],
        today: date,
        *,
        nation: Nation = Nation.ENGLAND,
        grouped: bool = True,
    ) -> None:
        """Referrals in board order (as ``list_referrals`` returns them)."""
        self.beginResetModel()
        self._today = today
        self._nation = nation
        self._grouped = grouped
        rows: list[StatusGroup | TrackedReferral] = []
        if grouped:
            by_status: dict[ReferralStatus, list[TrackedReferral]] = {}
            for referral in referrals:
                by_status.setdefault(referral.status, []).append(referral)
            for status in STATUS_ORDER:
                members = by_status.get(status)
                if not members:
                    continue
                due = sum(1 for r in members if r.is_due(today))
                overdue = sum(1 for r in members if r.days_overdue(today))
                rows.append(StatusGroup(status, len(members), due, overdue))
                rows.extend(members)
        else:
            rows = list(referrals)
        self._rows = rows
        self.endResetModel()

    # -- sorting (in SQL, by the screen's query) ----------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        name = self.SORTABLE.get(column)
        if name is None:
            return
        self.order = ReferralSort(name, order == Qt.SortOrder.DescendingOrder)
        self._sort = (column, order)
        if self.reload is not None:
            self.reload()

    @property
    def sort_indicator(self) -> tuple[int, Qt.SortOrder]:
        return self._sort

    @property
    def is_default_order(self) -> bool:
        return self._sort == self.DEFAULT_SORT

    def sort_anchor(self, row: int) -> int | None:
        referral = self.referral_at(row)
        return referral.id if referral is not None else None

    def row_of_anchor(self, referral_id: int) -> int | None:
        row = self.row_of(referral_id)
        return row if row >= 0 else None

    def referral_at(self, row: int) -> TrackedReferral | None:
        item = self._rows[row] if 0 <= row < len(self._rows) else None
        return item if isinstance(item, TrackedReferral) else None

    def group_at(self, row: int) -> StatusGroup | None:
        item = self._rows[row] if 0 <= row < len(self._rows) else None
        return item if isinstance(item, StatusGroup) else None

    def row_of(self, referral_id: int) -> int:
        for row, item in enumerate(self._rows):
            if isinstance(item, TrackedReferral) and item.id == referral_id:
                return row
        return -1

    def header_rows(self) -> list[int]:
        return [row for row, item in enumerate(self._rows) if isinstance(item, StatusGroup)]

    def referrals(self) -> list[TrackedReferral]:
        return [item for item in self._rows if isinstance(item, TrackedReferral)]

    # -- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._rows[index.row()], StatusGroup):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        if isinstance(item, StatusGroup):
            return self._group_data(item, index.column(), role)
        return self._referral_data(item, index.column(), role)

    def _group_data(self, group: StatusGroup, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return group.title if column == 0 else ""
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return group.title if column == 0 else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(HEADER_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#111111"))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == GROUP_ROLE:
            return group.status
        return None

    def _referral_data(self, r: TrackedReferral, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(r, column)
        if role == RECORD_ROLE:
            return r
        overdue = r.days_overdue(self._today) > 0
        if role == Qt.ItemDataRole.BackgroundRole:
            if overdue:
                return QBrush(OVERDUE_BACKGROUND)
            if r.is_due(self._today):
                return QBrush(DUE_TODAY_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and (overdue or r.is_due(self._today)):
            return QBrush(OVERDUE_TEXT if overdue else QColor("#111111"))
        if role == Qt.ItemDataRole.FontRole and column == self.FOLLOW_UP and overdue:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole and column == self.DOMAIN:
            return domain_icon(r.domain)
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.restricted:
                return "Restricted: open it to read its details (you will be asked why)"
            lines = [f"{r.service_name}: {status_label(r.status)}"]
            if r.reason:
                lines.append(f"Reason: {r.reason}")
            if r.chase_count:
                lines.append(f"Chased {r.chase_count} time(s), last {uk_date(r.last_chased_on)}")
            return "\n".join(lines)
        return None

    def _text(self, r: TrackedReferral, column: int) -> str:
        if column == self.STATUS:
            return status_label(r.status)
        if column == self.FOLLOW_UP:
            return follow_up_text(r, self._today)
        if column == self.FAMILY:
            return r.family_ref
        if column == self.CHILD:
            return r.child_name
        if column == self.SERVICE:
            return "Restricted referral" if r.restricted else r.service_name
        if column == self.CATEGORY:
            return r.service_category.label_for(self._nation)
        if column == self.DOMAIN:
            return r.domain.short_label(self._nation)
        if column == self.URGENCY:
            return r.urgency.label
        if column == self.MADE:
            return uk_date(r.made_on)
        return ""


class ServiceTableModel(QAbstractTableModel):
    """The service directory (a few hundred entries at most: loaded whole)."""

    NAME, ORGANISATION, CATEGORY, CONTACT, SOURCE = range(5)
    COLUMNS = ("Service", "Organisation", "Category", "Contact", "From")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Service] = []
        self._nation = Nation.ENGLAND

    def set_services(self, services: list[Service], nation: Nation = Nation.ENGLAND) -> None:
        self.beginResetModel()
        self._nation = nation
        self._rows = list(services)
        self.endResetModel()

    def service_at(self, row: int) -> Service | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self._rows[index.row()]
        if role == RECORD_ROLE:
            return s
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t for t in (s.description, s.address, s.notes and f"Our notes: {s.notes}") if t)
        if role == Qt.ItemDataRole.ForegroundRole and not s.active:
            return QBrush(QColor("#555555"))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == self.NAME:
            return s.name if s.active else f"{s.name} (no longer running)"
        if column == self.ORGANISATION:
            return s.organisation
        if column == self.CATEGORY:
            return s.category.label_for(self._nation) + (" (to review)" if s.to_review else "")
        if column == self.CONTACT:
            return " / ".join(t for t in (s.phone, s.email or s.website) if t)
        if column == self.SOURCE:
            return {"manual": "Added here", "import": "Directory import", "referral": "From a referral"}[
                s.source.value
            ]
        return None


class SharingTableModel(QAbstractTableModel):
    """The information-sharing record, newest first (a capped window of recent records)."""

    DATE, DECISION, FAMILY, RECIPIENT, WHAT, BASIS, BY = range(7)
    COLUMNS = ("Date", "Decision", "Family", "With", "What", "Basis or reason", "Recorded by")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SharingRecord] = []

    def set_records(self, records: list[SharingRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def record_at(self, row: int) -> SharingRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == RECORD_ROLE:
            return r
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t for t in (r.what, f"Why: {r.purpose}", r.reason) if t)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == self.DATE:
            return uk_date(r.decided_on)
        if column == self.DECISION:
            return r.decision.label
        if column == self.FAMILY:
            return r.family_ref
        if column == self.RECIPIENT:
            return r.recipient
        if column == self.WHAT:
            return r.what
        if column == self.BASIS:
            if r.decision is SharingDecision.NOT_SHARED:
                return r.reason
            return (
                r.lawful_basis.label
                if r.lawful_basis
                else f"Consent: {r.consent.value if r.consent else '?'}"
            )
        if column == self.BY:
            return r.recorded_by_name
        return None
