"""One family: who they are, and everything logged for them in date order.

The shell keeps one instance and calls ``show_family(id)``: each opening writes one "viewed" row to
the audit trail (refreshes do not). The chronology merges support entries and referrals oldest first
and scrolls to the latest; the panel under it shows the chosen row in full. Amended entries say so
and keep their history (History…); restricted ones (managers only) show no text until a manager opens
them with a reason, which the audit trail records.
"""

from __future__ import annotations

import time
from collections import defaultdict

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain
from setting_app.domain.errors import AppError
from setting_app.domain.models import Child, Family, Referral, SupportEntry
from setting_app.services import families, staff, support_log, transfer
from setting_app.services import referrals as referral_service

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.amend_entry_dialog import AmendEntryDialog, EntryHistoryDialog
from setting_app.ui.dialogs.family_dialog import FamilyDialog
from setting_app.ui.dialogs.family_summary_dialog import FamilySummaryDialog
from setting_app.ui.dialogs.restricted_reason_dialog import RestrictedReasonDialog
from setting_app.ui.formatting import age_text, count_text, minutes_text, names_text, uk_date
from setting_app.ui.models.chronology_model import HIDDEN_TEXT, ChronologyItem, ChronologyModel
from setting_app.ui.widgets.domain_chip import DomainChip
from setting_app.ui.widgets.list_view import ListView


def _status_text(referral: Referral) -> str:
    return referral.status.value.replace("_", " ")


class FamilyPageScreen(QWidget):
    #: Reloads itself on ``ctx.data_changed`` (the main window need not refresh it again).
    FOLLOWS_DATA_CHANGES = True

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.family_id: int | None = None
        self.family: Family | None = None
        self.last_load_ms = 0.0
        self._stale = False
        #: The dialog opened last (tests drive it; the app shows it window-modal with open()).
        self.dialog: QDialog | None = None
        self.model = ChronologyModel(self)
        self._build()
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.locked_changed.connect(self._on_locked_changed)

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("No family chosen")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title)
        self.status_label = QLabel()
        top.addWidget(self.status_label)
        self.received_label = QLabel()
        self.received_label.setAccessibleName("Received from another setting")
        self.received_label.setStyleSheet("font-style: italic;")
        self.received_label.setVisible(False)
        top.addWidget(self.received_label)
        top.addStretch(1)
        self.back_button = QPushButton("&Back to families")
        self.edit_button = QPushButton("&Edit family")
        self.log_button = QPushButton("&Log support")
        self.log_button.setAccessibleName("Log support for this family")
        self.log_button.setToolTip("Opens the quick log with this family chosen")
        self.summary_button = QPushButton("Family s&ummary…")
        self.summary_button.setAccessibleName("Make a summary for the family to keep")
        self.summary_button.setToolTip("A plain-English summary to print or save for the family")
        for button in (self.back_button, self.edit_button, self.log_button, self.summary_button):
            top.addWidget(button)
        layout.addLayout(top)

        details = QFormLayout()
        details.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.carers_label = self._value_label("Carers")
        self.children_label = self._value_label("Children")
        self.key_worker_label = self._value_label("Key worker")
        self.home_la_label = self._value_label("Home authority")
        self.summary_label = self._value_label("Support so far")
        details.addRow("Carers:", self.carers_label)
        details.addRow("Children:", self.children_label)
        details.addRow("Key worker:", self.key_worker_label)
        details.addRow("Home authority:", self.home_la_label)
        details.addRow("Support so far:", self.summary_label)
        layout.addLayout(details)

        self.chips_row = QHBoxLayout()
        self.chips_row.setSpacing(6)
        chips_holder = QWidget()
        chips_holder.setLayout(self.chips_row)
        chips_holder.setAccessibleName("Time by domain")
        layout.addWidget(chips_holder)

        self.table = ListView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Chronology")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(60)
        metrics = self.fontMetrics()
        date_width = metrics.horizontalAdvance("00/00/00000") + 12
        time_width = metrics.horizontalAdvance("10 h 30 min") + 16
        for column, width in enumerate((date_width, 160, 75, 230, 110, 120, time_width, 250)):
            self.table.setColumnWidth(column, width)
        for column in (ChronologyModel.WHAT, ChronologyModel.NOTE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setTabChangesFocus(True)
        self.detail.setAccessibleName("Chosen entry in full")
        self.detail.setPlaceholderText("Choose a row to read it in full")

        row_buttons = QHBoxLayout()
        self.open_restricted_button = QPushButton("Open &restricted…")
        self.open_restricted_button.setToolTip("Read a restricted record: you will be asked why")
        self.amend_button = QPushButton("A&mend…")
        self.amend_button.setToolTip("Correct this entry; the version it replaces is kept")
        self.history_button = QPushButton("Hi&story…")
        self.history_button.setToolTip("Every earlier version of this entry")
        self.restrict_button = QPushButton("Mark restric&ted")
        self.restrict_button.setToolTip("Safeguarding-sensitive: only managers will see it")
        for button in (
            self.open_restricted_button,
            self.amend_button,
            self.history_button,
            self.restrict_button,
        ):
            button.setEnabled(False)
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        detail_holder = QWidget()
        detail_layout = QVBoxLayout(detail_holder)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(row_buttons)
        detail_layout.addWidget(self.detail, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail_holder)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        self.problem = QLabel()
        self.problem.setStyleSheet("color: #B00020;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)

        self.back_button.clicked.connect(lambda: self.ctx.navigate_requested.emit("families"))
        self.edit_button.clicked.connect(self.edit_family)
        self.log_button.clicked.connect(self.log_support)
        self.summary_button.clicked.connect(self.open_summary)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.open_restricted_button.clicked.connect(self.open_restricted)
        self.amend_button.clicked.connect(self.amend_entry)
        self.history_button.clicked.connect(self.show_history)
        self.restrict_button.clicked.connect(self.toggle_restricted)
        QWidget.setTabOrder(self.log_button, self.table)
        QWidget.setTabOrder(self.table, self.open_restricted_button)
        QWidget.setTabOrder(self.open_restricted_button, self.amend_button)
        QWidget.setTabOrder(self.amend_button, self.history_button)
        QWidget.setTabOrder(self.history_button, self.restrict_button)
        QWidget.setTabOrder(self.restrict_button, self.detail)
        self.setFocusProxy(self.log_button)
        self._set_buttons(False)

    @staticmethod
    def _value_label(name: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # --- public ----------------------------------------------------------------------------------

    def show_family(self, family_id: int) -> None:
        """Open a family's record: one audit row per opening, then the page (refreshes add none)."""
        self.family_id = family_id
        self.model.revealed.clear()
        if self.ctx.is_unlocked:
            try:
                families.view_family(self.ctx.session, family_id)
            except AppError as exc:
                self._clear()
                self.problem.setText(exc.message)
                return
        self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self.problem.clear()
        if self.family_id is None or not self.ctx.is_unlocked:
            self._clear()
            return
        started = time.perf_counter()
        try:
            session = self.ctx.session
            family = families.get_family(session, self.family_id)
            children = families.list_children(session, self.family_id)
            entries = support_log.family_chronology(session, self.family_id)
            referrals = support_log.family_referrals(session, self.family_id)
            staff_names = {u.id: u.display_name for u in staff.list_users(session)}
            activities = support_log.activity_labels(session)
            arrived = transfer.received_from(session, self.family_id)
            received_entries = transfer.received_entry_ids(session, self.family_id) if arrived else set()
            received_referrals = transfer.received_referral_ids(session, self.family_id) if arrived else set()
        except AppError as exc:
            self._clear()
            self.problem.setText(exc.message)
            return
        self.family = family
        self._show_header(family, children, entries, referrals, staff_names)
        sender = arrived.other_setting_name if arrived else ""
        self.received_label.setText(
            f"Received from {sender} on {uk_date(arrived.received_on or arrived.sealed_on)}"
            if arrived
            else ""
        )
        self.received_label.setVisible(arrived is not None)
        child_names = {c.id: c.name for c in children}
        items = [
            ChronologyItem(
                e.entry_date,
                e.domain,
                e,
                activities.get((e.domain, e.activity_code), e.activity_code or ""),
                child_names.get(e.child_id, "") if e.child_id else "",
                staff_names.get(e.staff_id, "")
                if e.staff_id
                else (sender if e.id in received_entries else ""),
                sender if e.id in received_entries else "",
            )
            for e in entries
        ] + [
            ChronologyItem(
                r.made_on,
                r.domain,
                r,
                f"Referral to {r.service_name} ({_status_text(r)})",
                child_names.get(r.child_id, "") if r.child_id else "",
                staff_names.get(r.made_by, "")
                if r.made_by
                else (sender if r.id in received_referrals else ""),
                sender if r.id in received_referrals else "",
            )
            for r in referrals
        ]
        self.model.set_items(items, self.ctx.nation)
        self.detail.clear()
        self._set_row_buttons(None)
        if items:
            self.table.scrollToBottom()
        self.last_load_ms = (time.perf_counter() - started) * 1000
        self._set_buttons(True)

    def log_support(self) -> None:
        if self.family_id is not None:
            self.ctx.quick_log_requested.emit(self.family_id)

    def edit_family(self) -> FamilyDialog | None:
        if self.family_id is None:
            return None
        dialog = FamilyDialog(self.ctx, self.family_id, parent=self)
        dialog.open()
        return dialog

    def open_summary(self) -> FamilySummaryDialog | None:
        """Preview the family-facing summary (withheld, with the reason, while restricted records exist)."""
        if self.family_id is None or not self.ctx.is_unlocked:
            return None
        return self._open(FamilySummaryDialog(self.ctx, self.family_id, parent=self))

    def selected_item(self) -> ChronologyItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def select_record(self, kind: str, record_id: int) -> None:
        for row, item in enumerate(self.model.items):
            if item.key == (kind, record_id):
                self.table.selectRow(row)
                return

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog

    def open_restricted(self) -> RestrictedReasonDialog | None:
        """Ask the manager why, then show the restricted record (the service audits the opening)."""
        item = self.selected_item()
        if item is None or not self.model.is_hidden(item):
            return None
        session = self.ctx.session
        record_id = item.record.id
        if item.is_referral:
            what = "referral"
            opener = lambda reason: referral_service.open_restricted_referral(session, record_id, reason)  # noqa: E731
        else:
            what = "entry"
            opener = lambda reason: support_log.open_restricted_entry(session, record_id, reason)  # noqa: E731
        dialog = RestrictedReasonDialog(self.ctx, what, opener, parent=self)
        key = item.key
        dialog.accepted.connect(lambda: self._revealed(key))
        self._open(dialog)
        return dialog

    def _revealed(self, key: tuple[str, int]) -> None:
        self.model.reveal(key)
        self.select_record(*key)
        self._on_selection(QItemSelection(), QItemSelection())

    def amend_entry(self) -> AmendEntryDialog | None:
        item = self.selected_item()
        if item is None or item.is_referral or self.model.is_hidden(item):
            return None
        dialog = AmendEntryDialog(self.ctx, item.record, parent=self)
        return self._open(dialog)

    def show_history(self) -> EntryHistoryDialog | None:
        item = self.selected_item()
        if item is None or item.is_referral or self.model.is_hidden(item):
            return None
        try:
            dialog = EntryHistoryDialog(self.ctx, item.record, parent=self)
        except AppError as exc:
            self.problem.setText(exc.message)
            return None
        return self._open(dialog)

    def toggle_restricted(self) -> None:
        """Mark the chosen record restricted, or (managers) lift the mark."""
        item = self.selected_item()
        if item is None:
            return
        self.problem.clear()
        restrict = not item.restricted
        session = self.ctx.session
        try:
            if item.is_referral:
                referral_service.set_referral_restricted(session, item.record.id, restrict)
            else:
                support_log.set_entry_restricted(session, item.record.id, restrict)
        except AppError as exc:
            self.problem.setText(exc.message)
            return
        if restrict:
            self.model.revealed.add(item.key)  # whoever just marked it has it open already
        self.ctx.data_changed.emit("referrals" if item.is_referral else "entries")
        self.select_record(*item.key)

    def _set_row_buttons(self, item: ChronologyItem | None) -> None:
        user = self.ctx.user if self.ctx.is_unlocked else None
        manager = bool(user and user.is_manager)
        hidden = item is not None and self.model.is_hidden(item)
        entry = item.record if item is not None and not item.is_referral else None
        own = entry is not None and user is not None and entry.staff_id == user.id
        self.open_restricted_button.setEnabled(hidden and manager)
        self.amend_button.setEnabled(entry is not None and not hidden and (manager or own))
        self.history_button.setEnabled(entry is not None and not hidden and entry.version > 1)
        if item is not None and item.restricted:
            self.restrict_button.setText("Lift restric&tion")
            self.restrict_button.setEnabled(manager)
        else:
            self.restrict_button.setText("Mark restric&ted")
            made_by = (
                None if item is None else (item.record.made_by if item.is_referral else item.record.staff_id)
            )
            self.restrict_button.setEnabled(
                item is not None and (manager or made_by == (user.id if user else None))
            )

    # --- display ---------------------------------------------------------------------------------

    def _show_header(
        self,
        family: Family,
        children: list[Child],
        entries: list[SupportEntry],
        referrals: list[Referral],
        staff_names: dict[int, str],
    ) -> None:
        today = self.ctx.clock.today()
        setting = self.ctx.setting
        self.title.setText(f"Family {family.ref}")
        self.title.setAccessibleName(f"Family {family.ref}")
        if family.is_open:
            self.status_label.setText(f"Open since {uk_date(family.opened_on)}")
        else:
            self.status_label.setText(
                f"Closed on {uk_date(family.closed_on)} (opened {uk_date(family.opened_on)})"
            )
        self.carers_label.setText(
            names_text(
                (f"{c.name} ({c.relationship})" if c.relationship else c.name for c in family.carers),
                empty="None recorded",
            )
        )
        self.children_label.setText(
            names_text(
                (
                    f"{c.name} ({age})" if (age := age_text(c.date_of_birth, today)) else c.name
                    for c in children
                ),
                empty="None recorded",
            )
        )
        worker = staff_names.get(family.key_worker_id) if family.key_worker_id else None
        self.key_worker_label.setText(worker or "None")
        own = f"{setting.la_name} ({setting.la_code})" if setting.la_name else setting.la_code
        if not family.home_la_code or family.home_la_code == setting.la_code:
            self.home_la_label.setText(f"{own}, this setting's authority")
        else:
            self.home_la_label.setText(f"{family.home_la_code} (another authority)")
        total = sum(e.minutes for e in entries)
        self.summary_label.setText(
            f"{count_text(len(entries), 'entry', 'entries')}, {minutes_text(total) if entries else 'no time'}"
            f" logged; {count_text(len(referrals), 'referral')}"
            + (f"; last on {uk_date(max(e.entry_date for e in entries))}" if entries else "")
        )
        self._show_chips(entries)

    def _show_chips(self, entries: list[SupportEntry]) -> None:
        while self.chips_row.count():
            item = self.chips_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        minutes: dict[Domain, int] = defaultdict(int)
        for entry in entries:
            minutes[entry.domain] += entry.minutes
        nation = self.ctx.nation
        for domain in DOMAIN_ORDER:
            if minutes.get(domain):
                chip = DomainChip(domain, nation)
                chip.setText(f"{domain.short_label(nation)}: {minutes_text(minutes[domain])}")
                chip.setAccessibleName(f"{domain.label(nation)}: {minutes_text(minutes[domain])}")
                self.chips_row.addWidget(chip)
        self.chips_row.addStretch(1)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        item = self.selected_item()
        self._set_row_buttons(item)
        if item is None:
            self.detail.clear()
            return
        if self.model.is_hidden(item):
            what = "referral" if item.is_referral else "entry"
            self.detail.setPlainText(
                f"{uk_date(item.day)} · restricted {what}\n\n{HIDDEN_TEXT}: press Open restricted… (Alt+R)."
            )
            return
        nation = self.ctx.nation
        head = [uk_date(item.day), item.domain.label(nation), item.type_text]
        if item.what:
            head.append(item.what)
        record = item.record
        if isinstance(record, SupportEntry):
            head += [minutes_text(record.minutes), record.contact_mode.label]
        if item.staff:
            head.append(f"by {item.staff}")
        if item.restricted:
            head.append("RESTRICTED")
        if item.received_from:
            head.append(f"received from {item.received_from}")
        lines = [" · ".join(head)]
        if item.amended:
            lines.append(f"Amended: version {item.record.version} (History… shows the earlier versions)")
        if item.child:
            lines.append(f"Child: {item.child}")
        if isinstance(record, SupportEntry) and record.follow_up_on:
            lines.append(f"Follow up on {uk_date(record.follow_up_on)}")
        if isinstance(record, Referral):
            lines.append(f"Consent: {record.consent.value.replace('_', ' ')}")
        lines += ["", record.note or "(no note)"]
        self.detail.setPlainText("\n".join(lines))

    def _clear(self) -> None:
        self.family = None
        self.model.clear()
        self.detail.clear()
        self.title.setText("No family chosen")
        self.status_label.clear()
        self.received_label.clear()
        self.received_label.setVisible(False)
        for label in (
            self.carers_label,
            self.children_label,
            self.key_worker_label,
            self.home_la_label,
            self.summary_label,
        ):
            label.clear()
        self._show_chips([])
        self._set_buttons(False)

    def _set_buttons(self, enabled: bool) -> None:
        self.edit_button.setEnabled(enabled)
        self.log_button.setEnabled(enabled)
        self.summary_button.setEnabled(enabled)
        if not enabled:
            self._set_row_buttons(None)

    # --- reactions -------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _on_data_changed(self, what: str) -> None:
        if what in ("entries", "families", "referrals", "staff") and self.family_id is not None:
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self._clear()  # nothing personal stays on screen or in the model
            self.model.revealed.clear()  # restricted records are asked for again after an unlock
            self._stale = self.family_id is not None
        elif self.isVisible():
            self.refresh()
