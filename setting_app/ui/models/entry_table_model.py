"""The setting's whole support log, newest first, read in pages.

Deep pages are found without a long OFFSET walk where possible: the model remembers the first and
last (entry_date, id) of every page it has read and fetches a new page from the nearest remembered
boundary (keyset paging), or counts from whichever end of the list is nearer. Scrolling is then one
short index walk per page at any depth, even when a filter (domain, kind, staff) stops the date index
from answering the OFFSET alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from setting_app.domain.codes import Domain, Nation
from setting_app.domain.models import SupportEntry
from setting_app.services import families, staff, support_log
from setting_app.services.session import Session
from setting_app.storage.entry_repo import NEWEST_FIRST, EntryFilter, EntrySort, sort_key

from setting_app.ui.formatting import first_line, minutes_text, uk_date
from setting_app.ui.models.windowed import WindowedTableModel
from setting_app.ui.widgets.domain_chip import domain_icon

#: A restricted entry's note stays off the list: a manager reads it on the family page, giving a reason.
RESTRICTED_NOTE = "Restricted: open it on the family page to read it"


class EntryTableModel(WindowedTableModel):
    #: A filter no index answers alone (a domain over ten years) counts on a worker thread.
    COUNT_BUDGET_MS = 60.0
    COLUMNS = (
        "Date",
        "Family",
        "Domain",
        "Kind",
        "Activity",
        "Time",
        "Staff",
        "Contact",
        "Note",
        "Follow-up",
    )
    DATE, FAMILY, DOMAIN, KIND, ACTIVITY, MINUTES, STAFF, CONTACT, NOTE, FOLLOW_UP = range(10)
    # Sorted in SQL, each through its own index (entry_repo.SORT_KEYS, migration 0010). Family, staff,
    # activity and contact show names looked up elsewhere (an order by id would look random); note and
    # follow-up have no index worth its cost on every save.
    SORTABLE = {DATE: "date", DOMAIN: "domain", KIND: "kind", MINUTES: "minutes"}
    FIRST_DESCENDING = frozenset({DATE})
    DEFAULT_SORT = (DATE, Qt.SortOrder.DescendingOrder)

    def __init__(self, ctx, *, page_size: int = 200, max_pages: int = 8, parent: Any = None) -> None:
        super().__init__(ctx, page_size=page_size, max_pages=max_pages, parent=parent)
        self.filter = EntryFilter()
        self.order: EntrySort = NEWEST_FIRST
        #: Each read page's first and last row's sort keys (for keyset paging).
        self._boundaries: dict[int, tuple[tuple, tuple]] = {}
        self._family_refs: dict[int, str] = {}
        self._staff_names: dict[int, str] = {}
        self._activities: dict[tuple[Domain, str], str] = {}
        self._nation = Nation.ENGLAND
        #: Each read row's display strings, made once when its page is read (painting asks for
        #: them many times; see docs/performance.md, proposal 4).
        self._texts: dict[int, tuple[str, ...]] = {}

    def set_filter(self, flt: EntryFilter) -> None:
        self.filter = flt
        self.refresh()

    def row_of_date(self, day: date) -> int:
        """The first row on or before ``day`` in the newest-first order; may equal rowCount."""
        return support_log.log_row_of_date(self.ctx.session, self.filter, day)

    # --- WindowedTableModel ----------------------------------------------------------------------

    def _set_sort(self, name: str, descending: bool) -> None:
        self.order = EntrySort(name, descending)

    def _row_of(self, session: Session, record: SupportEntry, budget_ms: float) -> int | None:
        return support_log.log_row_of_entry(session, self.filter, record, self.order, budget_ms=budget_ms)

    def _forget(self) -> None:
        self._boundaries.clear()
        self._family_refs.clear()
        self._texts.clear()

    def _prepare(self, session: Session) -> None:
        self._nation = session.setting.nation
        self._staff_names = {u.id: u.display_name for u in staff.list_users(session)}
        self._activities = support_log.activity_labels(session)

    def _count(self, session: Session) -> int:
        return support_log.count_entries(session, self.filter)

    def _count_within(self, session: Session, budget_ms: float) -> int | None:
        return support_log.count_entries_within(session, self.filter, budget_ms)

    def _count_job(self):
        flt = self.filter
        return lambda session: support_log.count_entries(session, flt)

    def _fetch_page(self, session: Session, page: int, start: int, size: int) -> list[SupportEntry]:
        rows = self._read_window(session, page, start, size)
        if rows:
            self._boundaries[page] = (sort_key(rows[0], self.order), sort_key(rows[-1], self.order))
            missing = [e.family_id for e in rows if e.family_id not in self._family_refs]
            if missing:
                self._family_refs.update(families.family_refs(session, missing))
            self._remember_texts(rows)
        return rows

    def _remember_texts(self, rows: list[SupportEntry]) -> None:
        columns = range(len(self.COLUMNS))
        for entry in rows:
            self._texts[entry.id] = tuple(self._text(entry, column) for column in columns)
        if len(self._texts) > self.page_size * (self.max_pages + 1):  # keep only rows still cached
            live = {e.id for page in self._pages.values() for e in page} | {e.id for e in rows}
            self._texts = {key: texts for key, texts in self._texts.items() if key in live}

    def _read_window(self, session: Session, page: int, start: int, size: int) -> list[SupportEntry]:
        """Read rows ``start .. start+size`` by whichever route walks the fewest rows."""
        from_top = start
        from_bottom = self._row_count - (start + size)
        best_cost, best = min((from_top, "top"), (from_bottom, "bottom"))
        anchor: tuple | None = None
        forward = True
        for known, (first_key, last_key) in self._boundaries.items():
            if known < page:
                cost, key, ahead = (page - known - 1) * self.page_size, last_key, True
            elif known > page:
                cost, key, ahead = (known - page - 1) * self.page_size, first_key, False
            else:
                continue
            if cost < best_cost:
                best_cost, best, anchor, forward = cost, "near", key, ahead
        if best == "near" and anchor is not None:
            return support_log.log_window_near(
                session, self.filter, anchor, forward=forward, skip=best_cost, limit=size, sort=self.order
            )
        if best == "bottom":
            return support_log.log_window(
                session, self.filter, offset=from_bottom, limit=size, from_end=True, sort=self.order
            )
        return support_log.log_window(session, self.filter, offset=from_top, limit=size, sort=self.order)

    def _cell(self, entry: SupportEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self._texts.get(entry.id)
            return texts[column] if texts is not None else self._text(entry, column)
        if role == Qt.ItemDataRole.DecorationRole and column == self.DOMAIN:
            return domain_icon(entry.domain)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.NOTE and entry.restricted:
                return RESTRICTED_NOTE
            if column == self.NOTE and entry.note:
                return entry.note
            if column == self.DOMAIN:
                return entry.domain.label(self._nation)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.MINUTES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, entry: SupportEntry, column: int) -> str:
        if column == self.DATE:
            return uk_date(entry.entry_date)
        if column == self.FAMILY:
            return self._family_refs.get(entry.family_id, f"#{entry.family_id}")
        if column == self.DOMAIN:
            return entry.domain.short_label(self._nation)
        if column == self.KIND:
            marks = [
                word for word, on in (("amended", entry.version > 1), ("restricted", entry.restricted)) if on
            ]
            return entry.kind.label + (f" ({', '.join(marks)})" if marks else "")
        if column == self.ACTIVITY:
            if not entry.activity_code:
                return ""
            return self._activities.get((entry.domain, entry.activity_code), entry.activity_code)
        if column == self.MINUTES:
            return minutes_text(entry.minutes)
        if column == self.STAFF:
            return self._staff_names.get(entry.staff_id, "") if entry.staff_id else ""
        if column == self.CONTACT:
            return entry.contact_mode.label
        if column == self.NOTE:
            return RESTRICTED_NOTE if entry.restricted else first_line(entry.note)
        if column == self.FOLLOW_UP:
            return uk_date(entry.follow_up_on)
        return ""
