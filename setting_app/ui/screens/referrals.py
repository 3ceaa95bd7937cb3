"""Referrals: a board of every open referral grouped by status, what needs chasing today, the service
directory and the information-sharing record.

The board lists referrals under a header per status (draft, sent, acknowledged, waiting list,
accepted, seen, then the closed ones when shown), most pressing first. Overdue ones are tinted AND
say "OVERDUE n days". Filters narrow by service and need domain. The selected referral's details,
consent, history and chases show on the right.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Consent, Domain
from setting_app.domain.errors import AppError
from setting_app.domain.referrals import TrackedReferral, status_label
from setting_app.services import info_sharing, service_directory
from setting_app.services import referrals as referral_service
from setting_app.storage.referral_repo import ReferralFilter

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.chase_dialog import ChaseDialog
from setting_app.ui.dialogs.referral_dialog import ReferralDialog, combo_code
from setting_app.ui.dialogs.referral_status_dialog import ReferralStatusDialog, history_html
from setting_app.ui.dialogs.restricted_reason_dialog import RestrictedReasonDialog
from setting_app.ui.dialogs.service_dialog import ServiceDialog
from setting_app.ui.dialogs.service_review_dialog import ServiceReviewDialog
from setting_app.ui.dialogs.sharing_decision_dialog import SharingDecisionDialog
from setting_app.ui.errors import reporting_errors, show_app_error
from setting_app.ui.formatting import count_text, uk_date
from setting_app.ui.models.referral_table_model import (
    ReferralTableModel,
    ServiceTableModel,
    SharingTableModel,
    follow_up_text,
)
from setting_app.ui.widgets.list_view import ListView
from setting_app.ui.workers import report_error, run_with_session

#: (label, ReferralFilter.state, only due today or earlier)
SHOW_OPTIONS = (
    ("Open referrals", "open", False),
    ("To chase today", "awaiting", True),
    ("Closed", "final", False),
    ("All", "all", False),
)
#: Closed referrals pile up over the years: the board shows at most this many at once.
MAX_ROWS = 2000
MAX_SHARING_ROWS = 1000


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setAccessibleName(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def _table(name: str) -> ListView:
    table = ListView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class ReferralsScreen(QWidget):
    #: Reloads itself on ``ctx.data_changed`` (the main window need not refresh it again).
    FOLLOWS_DATA_CHANGES = True
    #: A directory import started by ``import_directory`` finished: whether it worked.
    directory_imported = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: The dialog opened last (tests drive it; the app shows it window-modal with open()).
        self.dialog: QDialog | None = None
        self.model = ReferralTableModel(self)
        #: Restricted referrals a manager has opened (with a reason) since unlocking.
        self.revealed: set[int] = set()
        self.service_model = ServiceTableModel(self)
        self.sharing_model = SharingTableModel(self)
        self._build()
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.locked_changed.connect(self._on_locked_changed)

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_board(), "&Board")
        self.tabs.addTab(self._build_directory(), "Service &directory")
        self.tabs.addTab(self._build_sharing(), "Information &sharing")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(_title("Referrals"))
        head.addStretch(1)
        self.summary = QLabel()
        self.summary.setAccessibleName("Referrals needing attention")
        head.addWidget(self.summary)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)

    def _build_board(self) -> QWidget:
        page = QWidget()
        filters = QHBoxLayout()
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Show")
        for label, state, due_only in SHOW_OPTIONS:
            self.show_filter.addItem(label, (state, due_only))
        self.service_filter = QComboBox()
        self.service_filter.setAccessibleName("Service")
        self.service_filter.setMinimumContentsLength(24)
        self.domain_filter = QComboBox()
        self.domain_filter.setAccessibleName("Need domain")
        self.domain_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for combo, text in (
            (self.show_filter, "Sho&w"),
            (self.service_filter, "Ser&vice"),
            (self.domain_filter, "D&omain"),
        ):
            caption = QLabel(text)
            caption.setBuddy(combo)
            filters.addWidget(caption)
            filters.addWidget(combo, 1 if combo is self.service_filter else 0)
            combo.currentIndexChanged.connect(lambda _i: self.load_board())
        filters.addStretch(1)

        self.table = _table("Referrals by status")
        self.table.setModel(self.model)
        self.model.reload = self.load_board  # header clicks sort in SQL: the board is read again
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        for column, width in enumerate((105, 225, 90, 110, 260, 160, 160, 75, 90)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(
            ReferralTableModel.SERVICE, QHeaderView.ResizeMode.Stretch
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_details())
        self.table.doubleClicked.connect(lambda _index: self.change_status())

        self.details = QTextBrowser()
        self.details.setAccessibleName("Selected referral")
        self.details.setOpenExternalLinks(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([380, 220])

        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New referral…")
        self.new_button.clicked.connect(self.new_referral)
        self.status_button = QPushButton("Change s&tatus…")
        self.status_button.clicked.connect(self.change_status)
        self.chase_button = QPushButton("&Chase…")
        self.chase_button.setToolTip("Log a call or email to the service; the follow-up date moves on")
        self.chase_button.clicked.connect(self.chase)
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.clicked.connect(self.edit_referral)
        self.family_button = QPushButton("Open &family")
        self.family_button.clicked.connect(self.open_family)
        self.restricted_button = QPushButton("Open restricte&d…")
        self.restricted_button.setToolTip("Read a restricted referral: you will be asked why")
        self.restricted_button.clicked.connect(self.open_restricted)
        for button in (
            self.restricted_button,
            self.new_button,
            self.status_button,
            self.chase_button,
            self.edit_button,
            self.family_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.count_label = QLabel()
        buttons.addWidget(self.count_label)

        layout = QVBoxLayout(page)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        return page

    def _build_directory(self) -> QWidget:
        page = QWidget()
        self.service_table = _table("Service directory")
        self.service_table.setModel(self.service_model)
        for column, width in enumerate((300, 260, 200, 260, 130)):
            self.service_table.setColumnWidth(column, width)
        self.service_table.horizontalHeader().setSectionResizeMode(
            ServiceTableModel.CONTACT, QHeaderView.ResizeMode.Stretch
        )
        self.service_table.doubleClicked.connect(lambda _index: self.edit_service())
        buttons = QHBoxLayout()
        self.add_service_button = QPushButton("&Add service…")
        self.add_service_button.clicked.connect(self.add_service)
        self.edit_service_button = QPushButton("&Edit service…")
        self.edit_service_button.clicked.connect(self.edit_service)
        self.import_button = QPushButton("&Import directory…")
        self.import_button.setToolTip(
            "An Open Referral UK (HSDS) JSON file, the services.csv of a CSV export, or a data package's datapackage.json"
        )
        self.import_button.clicked.connect(self.choose_directory_file)
        self.review_button = QPushButton("&Review categories…")
        self.review_button.setToolTip(
            "Imported services whose category the directory did not give (managers)"
        )
        self.review_button.clicked.connect(self.review_categories)
        self.problems_button = QPushButton("Save the &problem list…")
        self.problems_button.setToolTip("Every problem the last import found, one a line, in a text file")
        self.problems_button.clicked.connect(self.choose_problem_file)
        self.problems_button.setVisible(False)
        self.last_import: service_directory.ImportSummary | None = None
        for button in (
            self.add_service_button,
            self.edit_service_button,
            self.import_button,
            self.review_button,
            self.problems_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.directory_status = QLabel()
        self.directory_status.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.service_table, 1)
        layout.addWidget(self.directory_status)
        layout.addLayout(buttons)
        return page

    def _build_sharing(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            "Every time identifiable information leaves the setting, and every decision not to share, "
            "with the reasons. Sending a referral adds a line here by itself."
        )
        intro.setWordWrap(True)
        self.sharing_table = _table("Information-sharing record")
        self.sharing_table.setModel(self.sharing_model)
        for column, width in enumerate((95, 150, 90, 230, 360, 230, 130)):
            self.sharing_table.setColumnWidth(column, width)
        self.sharing_table.horizontalHeader().setSectionResizeMode(
            SharingTableModel.WHAT, QHeaderView.ResizeMode.Stretch
        )
        buttons = QHBoxLayout()
        self.not_shared_button = QPushButton("Record a decision &not to share…")
        self.not_shared_button.clicked.connect(self.record_not_shared)
        buttons.addWidget(self.not_shared_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.sharing_table, 1)
        layout.addLayout(buttons)
        return page

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        with reporting_errors(self):
            self._fill_filters()
            self.load_board()
            index = self.tabs.currentIndex()
            if index == 1:
                self.load_directory()
            elif index == 2:
                self.load_sharing()

    def _fill_filters(self) -> None:
        chosen_service = self.service_filter.currentData()
        chosen_domain = self.domain_filter.currentData()
        for combo in (self.service_filter, self.domain_filter):
            combo.blockSignals(True)
        self.service_filter.clear()
        self.service_filter.addItem("All services", None)
        for service in service_directory.list_services(self.ctx.session):
            self.service_filter.addItem(service.display_name, service.id)
        self.service_filter.setCurrentIndex(max(0, self.service_filter.findData(chosen_service)))
        self.domain_filter.clear()
        self.domain_filter.addItem("All domains", None)
        for domain in DOMAIN_ORDER:
            self.domain_filter.addItem(domain.short_label(self.ctx.nation), domain)
        self.domain_filter.setCurrentIndex(max(0, self.domain_filter.findData(chosen_domain)))
        for combo in (self.service_filter, self.domain_filter):
            combo.blockSignals(False)

    def current_filter(self) -> ReferralFilter:
        state, due_only = self.show_filter.currentData()
        return ReferralFilter(
            state=state,
            service_id=self.service_filter.currentData(),
            domain=combo_code(self.domain_filter, Domain),
            due_by=self.ctx.clock.today() if due_only else None,
        )

    def load_board(self) -> None:
        if not self.ctx.is_unlocked:
            return
        selected = self.selected_referral()
        session = self.ctx.session
        today = self.ctx.clock.today()
        rows = referral_service.list_referrals(
            session, self.current_filter(), limit=MAX_ROWS, sort=self.model.order
        )
        self.model.set_referrals(rows, today, nation=self.ctx.nation)
        self.table.clearSpans()
        for row in self.model.header_rows():
            self.table.setSpan(row, 0, 1, len(ReferralTableModel.COLUMNS))
        # Two counts, not the whole list of referrals to chase read for its length (issue 25).
        due = referral_service.count_referrals(session, ReferralFilter(state="awaiting", due_by=today))
        overdue = referral_service.count_referrals(
            session, ReferralFilter(state="awaiting", overdue_on=today)
        )
        self.summary.setText(
            f"To chase today: {due}" + (f" ({overdue} overdue)" if overdue else "")
            if due
            else "Nothing to chase today"
        )
        shown = len(self.model.referrals())
        self.count_label.setText(
            count_text(shown, "referral") + (f" (the first {MAX_ROWS} shown)" if shown >= MAX_ROWS else "")
        )
        self.select_referral(selected.id if selected else None)
        self._show_details()

    def load_directory(self) -> None:
        self.service_model.set_services(service_directory.list_services(self.ctx.session), self.ctx.nation)
        self.import_button.setEnabled(self.ctx.user.is_manager)
        if not self.ctx.user.is_manager:
            self.import_button.setToolTip("Only a manager can import a directory")
        to_review = service_directory.count_to_review(self.ctx.session)
        self.review_button.setText(
            f"&Review categories ({to_review})…" if to_review else "&Review categories…"
        )
        self.review_button.setEnabled(self.ctx.user.is_manager and to_review > 0)

    def load_sharing(self) -> None:
        self.sharing_model.set_records(info_sharing.list_sharing(self.ctx.session, limit=MAX_SHARING_ROWS))

    def _on_data_changed(self, what: str) -> None:
        if what in ("referrals", "families") and self.ctx.is_unlocked:
            self.refresh()

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self.revealed.clear()
            self.model.set_referrals([], self.ctx.clock.today())
            self.service_model.set_services([])
            self.sharing_model.set_records([])
            self.details.clear()

    # -- selection and details ----------------------------------------------------------------

    def selected_referral(self) -> TrackedReferral | None:
        index = self.table.currentIndex()
        return self.model.referral_at(index.row()) if index.isValid() else None

    def select_referral(self, referral_id: int | None) -> None:
        row = self.model.row_of(referral_id) if referral_id is not None else -1
        if row < 0:
            rows = [i for i in range(self.model.rowCount()) if self.model.referral_at(i) is not None]
            row = rows[0] if rows else -1
        if row < 0:
            self.table.clearSelection()
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _show_details(self) -> None:
        r = self.selected_referral()
        for button in (self.status_button, self.chase_button, self.edit_button, self.family_button):
            button.setEnabled(r is not None)
        hidden = r is not None and r.restricted and r.id not in self.revealed
        self.restricted_button.setEnabled(hidden)
        self.restricted_button.setVisible(self.ctx.is_unlocked and self.ctx.user.is_manager)
        if r is None:
            self.details.setHtml("<p>Choose a referral to see its details and history.</p>")
            return
        if hidden:
            for button in (self.status_button, self.chase_button, self.edit_button):
                button.setEnabled(False)
            self.details.setHtml(
                f"<p><b>{html.escape(r.family_ref)}</b>: restricted referral made {uk_date(r.made_on)}.</p>"
                "<p>It is safeguarding-sensitive. Press <b>Open restricted…</b> to read it; "
                "you will be asked why, and the reason goes into the audit trail.</p>"
            )
            return
        today = self.ctx.clock.today()
        self.chase_button.setEnabled(r.is_awaiting)
        self.edit_button.setEnabled(not r.is_final)
        e = html.escape
        lines = [
            f"<h3>{e(r.service_name)}{' (restricted)' if r.restricted else ''}</h3>",
            f"<p><b>{e(r.family_ref)}</b>{e(' - ' + r.child_name) if r.child_name else ''}<br>",
            f"{e(r.service_category.label_for(self.ctx.nation))}; {e(r.domain.label(self.ctx.nation))}<br>",
            f"{e(r.route.label)}; {e(r.urgency.label)}; made {uk_date(r.made_on)}</p>",
            f"<p><b>Status:</b> {e(status_label(r.status))}",
        ]
        follow_up = follow_up_text(r, today)
        if follow_up:
            lines.append(f"<br><b>Follow up:</b> {e(follow_up)}")
        if r.expected_response_on:
            lines.append(f"<br>Expected response {uk_date(r.expected_response_on)}")
        lines.append("</p>")
        if r.reason:
            lines.append(f"<p><b>Reason:</b> {e(r.reason)}</p>")
        lines.append(f"<p><b>Consent:</b> {e(self._consent_text(r))}</p>")
        if r.note:
            lines.append(f"<p><b>Note:</b> {e(r.note)}</p>")
        lines.append("<p><b>History</b></p>")
        lines.append(history_html(self.ctx, r))
        self.details.setHtml("".join(lines))

    @staticmethod
    def _consent_text(r: TrackedReferral) -> str:
        if r.consent is Consent.GIVEN:
            return f"given by {r.consent_given_by or '?'} on {uk_date(r.consent_given_on) or '?'}: {r.consent_scope}"
        if r.consent is Consent.NOT_NEEDED:
            return f"not needed: {r.consent_note}"
        if r.consent is Consent.OVERRIDDEN:
            basis = r.lawful_basis.label if r.lawful_basis else "?"
            return f"overridden by a manager ({basis}): {r.override_rationale}"
        return "not given yet"

    # -- actions ------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog

    def open_restricted(self) -> RestrictedReasonDialog | None:
        """Ask the manager why, then show the restricted referral (the service audits the opening)."""
        r = self.selected_referral()
        if r is None or not r.restricted or r.id in self.revealed:
            return None
        session = self.ctx.session
        dialog = RestrictedReasonDialog(
            self.ctx,
            "referral",
            lambda reason: referral_service.open_restricted_referral(session, r.id, reason),
            parent=self,
        )
        dialog.accepted.connect(lambda: self._revealed(r.id))
        return self._open(dialog)

    def _revealed(self, referral_id: int) -> None:
        self.revealed.add(referral_id)
        self._show_details()

    def new_referral(self, family_id: int | None = None) -> ReferralDialog | None:
        with reporting_errors(self):
            return self._open(ReferralDialog(self.ctx, family_id=family_id or None, parent=self))
        return None

    def edit_referral(self) -> ReferralDialog | None:
        r = self.selected_referral()
        if r is None:
            return None
        with reporting_errors(self):
            return self._open(ReferralDialog(self.ctx, referral=r, parent=self))
        return None

    def change_status(self) -> ReferralStatusDialog | None:
        r = self.selected_referral()
        if r is None:
            return None
        with reporting_errors(self):
            return self._open(ReferralStatusDialog(self.ctx, r, self))
        return None

    def chase(self) -> ChaseDialog | None:
        r = self.selected_referral()
        if r is None:
            return None
        with reporting_errors(self):
            return self._open(ChaseDialog(self.ctx, r, self))
        return None

    def open_family(self) -> None:
        r = self.selected_referral()
        if r is not None:
            self.ctx.open_family_requested.emit(r.family_id)

    def selected_service(self):
        index = self.service_table.currentIndex()
        return self.service_model.service_at(index.row()) if index.isValid() else None

    def add_service(self) -> ServiceDialog | None:
        with reporting_errors(self):
            return self._open(ServiceDialog(self.ctx, parent=self))
        return None

    def edit_service(self) -> ServiceDialog | None:
        service = self.selected_service()
        if service is None:
            return None
        with reporting_errors(self):
            return self._open(ServiceDialog(self.ctx, service, self))
        return None

    def choose_directory_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Import a service directory",
            str(Path.home()),
            "Open Referral UK export (*.json services.csv);;All files (*)",
        )
        if path:
            self.import_directory(Path(path))

    def import_directory(self, path: Path) -> bool:
        """Start importing on a worker thread (a council's directory takes seconds); ``directory_imported``
        says when it has finished and whether it worked. False if it could not start."""
        try:
            self.ctx.session.require_manager("import a service directory")
        except AppError as error:
            self.directory_status.setText(error.message)
            return False
        self.import_button.setEnabled(False)
        self.directory_status.setText(f"Importing {path.name}…")
        run_with_session(
            self.ctx,
            lambda session: service_directory.import_directory(session, path),
            lambda summary: self._imported(path, summary),
            self._import_failed,
        )
        return True

    def _import_failed(self, error: BaseException) -> None:
        self.import_button.setEnabled(self.ctx.user.is_manager)
        if not isinstance(error, AppError):
            report_error(error)
            self.directory_imported.emit(False)
            return
        self.directory_status.setText(error.message)
        show_app_error(self, error, "Could not import the directory")
        self.directory_imported.emit(False)

    def _imported(self, path: Path, summary) -> None:
        self.import_button.setEnabled(self.ctx.user.is_manager)
        text = f"Imported {path.name}: {summary.message}."
        lines = summary.problem_summary()
        if lines:
            text += "\n" + "\n".join(lines[:8])
            if len(lines) > 8:
                text += (
                    f"\n…and {len(lines) - 8} more kinds of problem: save the problem list to see them all."
                )
        self.directory_status.setText(text)
        self.last_import = summary
        self.problems_button.setVisible(bool(summary.problems))
        self.ctx.data_changed.emit("referrals")
        self.directory_imported.emit(True)

    def review_categories(self) -> ServiceReviewDialog | None:
        with reporting_errors(self):
            return self._open(ServiceReviewDialog(self.ctx, self))
        return None

    def choose_problem_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the problem list", str(Path.home() / "directory-import-problems.txt"), "Text (*.txt)"
        )
        if path:
            self.save_problem_list(Path(path))

    def save_problem_list(self, path: Path) -> bool:
        if self.last_import is None:
            return False
        try:
            written = service_directory.save_problem_list(self.ctx.session, self.last_import, path)
        except AppError as error:
            show_app_error(self, error, "Could not save the problem list")
            return False
        self.directory_status.setText(f"{self.directory_status.text()}\nThe full list is in {written}.")
        return True

    def record_not_shared(self) -> SharingDecisionDialog | None:
        with reporting_errors(self):
            return self._open(SharingDecisionDialog(self.ctx, referral=None, parent=self))
        return None
