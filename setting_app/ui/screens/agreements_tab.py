"""Records → Agreements (managers): the register of data-sharing agreements.

The list shows each agreement's parties, review date and status; the one chosen is shown in full with
the shares it covers. Below, the recent shares made WITHOUT an agreement and the reasons given, so the
manager sees where an agreement is missing. Buttons add or change an agreement, attach the signed copy
(kept inside the encrypted casebook) or save it back out, and make a template for a new agreement.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.agreements import (
    Agreement,
    AgreementStatus,
    Direction,
    PartyType,
    SpecialCategoryCondition,
)
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError
from setting_app.domain.referrals import LawfulBasis, SharingRecord
from setting_app.services import agreements

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.agreement_dialog import AgreementDialog
from setting_app.ui.formatting import uk_date
from setting_app.ui.models.referral_table_model import OVERDUE_BACKGROUND, OVERDUE_TEXT
from setting_app.ui.widgets.field_errors import ERROR_STYLE

ID_ROLE = Qt.ItemDataRole.UserRole + 1
TEMPLATE_FILTER = "PDF (*.pdf);;Word document (*.docx)"


#: How many of an agreement's shares its details list (newest first).
SHARES_SHOWN = 50


def choose_document(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Choose the signed agreement", "", "All files (*)")
    return Path(path) if path else None


def choose_save_path(
    parent: QWidget, title: str, suggested: str, filters: str = "All files (*)"
) -> Path | None:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / suggested), filters)
    return Path(path) if path else None


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    return item


def share_cells(rec: SharingRecord) -> list[str]:
    occasion = f"Referral #{rec.referral_id}" if rec.referral_id else rec.occasion.label
    return [uk_date(rec.decided_on), rec.family_ref or "-", rec.recipient, occasion]


class AgreementsTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: AgreementDialog | None = None
        self._agreements: dict[int, Agreement] = {}

        heading = QLabel("Data-sharing agreements")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        heading.setFont(font)

        self.add_button = QPushButton("&Add agreement…")
        self.add_button.clicked.connect(self.add_agreement)
        self.edit_button = QPushButton("C&hange…")
        self.edit_button.clicked.connect(self.edit_agreement)
        self.attach_button = QPushButton("Attach signed &copy…")
        self.attach_button.setToolTip("Kept inside the encrypted casebook (any file up to 20 MB)")
        self.attach_button.clicked.connect(lambda: self.attach_document())
        self.save_doc_button = QPushButton("Sa&ve signed copy…")
        self.save_doc_button.clicked.connect(lambda: self.save_document())
        self.template_button = QPushButton("Make a &template…")
        self.template_button.setToolTip(
            "A plain-English agreement to start from, filled in from the setting (and the chosen agreement)"
        )
        self.template_button.clicked.connect(lambda: self.make_template())

        self.table = _table(
            "Data-sharing agreements",
            # Parties last: the longest text, it stretches without pushing the dates out of view.
            ["#", "Title", "Review by", "Status", "Shares", "Signed copy", "Parties"],
        )
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.table.doubleClicked.connect(lambda _index: self.edit_agreement())
        self.details = QTextBrowser()
        self.details.setAccessibleName("The chosen agreement and the shares it covers")
        self.empty = QLabel("No agreements recorded yet. Add the setting's agreements with its partners.")
        self.empty.setWordWrap(True)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it shows titles and paths: never as HTML
        self.status.setWordWrap(True)
        self.status.setVisible(False)

        self.missing_title = QLabel("Shares made without an agreement")
        self.missing = _table(
            "Shares made without an agreement",
            ["Date", "Family", "Shared with", "Occasion", "Why there was no agreement"],
        )

        buttons = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.attach_button,
            self.save_doc_button,
            self.template_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        upper = QHBoxLayout()
        upper.addWidget(self.table, 3)
        upper.addWidget(self.details, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.empty)
        layout.addLayout(upper, 3)
        layout.addWidget(self.missing_title)
        layout.addWidget(self.missing, 2)
        self.ctx.data_changed.connect(self._on_data_changed)
        self._enable()

    # -- loading -------------------------------------------------------------------------------

    def _on_data_changed(self, what: str) -> None:
        if what in ("agreements", "referrals") and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        chosen = self.selected_id()
        try:
            today = self.ctx.clock.today()
            found = agreements.list_agreements(self.ctx.session)
            missing = agreements.shares_without_agreement(self.ctx.session)
        except AppError as exc:
            self.show_message(exc.message, error=True)
            return
        self._agreements = {a.id: a for a in found}
        self.table.setRowCount(0)
        for a in found:
            row = self.table.rowCount()
            self.table.insertRow(row)
            status = a.status(today)
            cells = [
                str(a.id),
                a.title,
                uk_date(a.review_on),
                status.label,
                str(a.share_count),
                a.document_name or "none",
                a.party_names,
            ]
            for column, text in enumerate(cells):
                item = _cell(text)
                item.setData(ID_ROLE, a.id)
                if status is AgreementStatus.OVERDUE:
                    item.setBackground(QBrush(OVERDUE_BACKGROUND))
                    item.setForeground(QBrush(OVERDUE_TEXT))
                self.table.setItem(row, column, item)
        self.empty.setVisible(not found)
        self.missing.setRowCount(0)
        for rec in missing:
            row = self.missing.rowCount()
            self.missing.insertRow(row)
            reason = rec.no_agreement_reason or "(no reason recorded)"
            for column, text in enumerate([*share_cells(rec), reason]):
                self.missing.setItem(row, column, _cell(text))
        self.missing_title.setText(
            f"Shares made without an agreement: {len(missing)} recent"
            if missing
            else "Shares made without an agreement: none"
        )
        # Select without the selection signal: the details are laid out once, below, not twice.
        self.table.blockSignals(True)
        try:
            if chosen is not None:
                self.select(chosen)
            elif found:
                self.table.selectRow(0)
        finally:
            self.table.blockSignals(False)
        self._show_selected()

    def select(self, agreement_id: int) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(ID_ROLE) == agreement_id:
                self.table.selectRow(row)
                return

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(ID_ROLE)

    def selected(self) -> Agreement | None:
        chosen = self.selected_id()
        return self._agreements.get(chosen) if chosen is not None else None

    def _show_selected(self) -> None:
        a = self.selected()
        self._enable()
        if a is None:
            self.details.setHtml("<p>Choose an agreement to see it in full and the shares it covers.</p>")
            return
        try:
            # The newest few: hundreds of rows in rich text take a second to lay out (issue 25).
            shares = agreements.shares_covered(self.ctx.session, a.id, limit=SHARES_SHOWN + 1)
        except AppError as exc:
            self.show_message(exc.message, error=True)
            return
        self.details.setHtml(self.details_html(a, shares))

    def details_html(self, a: Agreement, shares: list[SharingRecord]) -> str:
        e = html.escape
        nation = self.ctx.nation
        today = self.ctx.clock.today()
        parties = "".join(
            f"<li>{e(p.name)} ({e(PartyType(p.party_type).label)}"
            + (
                f"; receives {e(ServiceCategory(p.service_category).label_for(nation).lower())} referrals"
                if p.service_category
                else ""
            )
            + (f"; {e(p.contact)}" if p.contact else "")
            + ")</li>"
            for p in a.parties
        )
        condition = a.special_category_condition
        dates = f"From {uk_date(a.starts_on)}, review by {uk_date(a.review_on)}" + (
            f", ends {uk_date(a.ends_on)}" if a.ends_on else ""
        )
        document = (
            f"{e(a.document_name)} ({a.document_size:,} bytes)" if a.document_name else "not attached yet"
        )
        more = len(shares) > SHARES_SHOWN
        shares = shares[:SHARES_SHOWN]
        rows = "".join(
            "<tr>" + "".join(f"<td>{e(text)}</td>" for text in share_cells(rec)) + "</tr>" for rec in shares
        )
        if more:
            rows += (
                f"<tr><td colspan='4'>… the newest {SHARES_SHOWN} are shown; the information-sharing "
                "record on the Referrals screen lists them all.</td></tr>"
            )
        shares_html = (
            f"<table cellspacing='4'><tr><th>Date</th><th>Family</th><th>Shared with</th><th>Occasion</th></tr>{rows}</table>"
            if shares
            else "<p>No share has named this agreement yet.</p>"
        )
        return (
            f"<h3>#{a.id} {e(a.title)}</h3>"
            f"<p><b>{e(a.status(today).label.capitalize())}.</b> {e(dates)}.</p>"
            f"<p><b>Parties</b></p><ul>{parties}</ul>"
            f"<p><b>Purpose:</b> {e(a.purpose)}</p>"
            f"<p><b>What data may flow:</b> {e(a.data_items)}</p>"
            f"<p><b>Direction:</b> {e(Direction(a.direction).label)}</p>"
            f"<p><b>Lawful basis (article 6):</b> {e(LawfulBasis(a.lawful_basis).label)}</p>"
            f"<p><b>Special category condition (article 9):</b> "
            f"{e(SpecialCategoryCondition(condition).label) if condition else 'none'}</p>"
            f"<p><b>Retention:</b> {e(a.retention)}</p>"
            f"<p><b>Security measures:</b> {e(a.security_measures)}</p>"
            + (f"<p><b>Notes:</b> {e(a.notes)}</p>" if a.notes else "")
            + f"<p><b>Signed copy:</b> {document}</p>"
            f"<h4>Shares it covers: {f'more than {SHARES_SHOWN}' if more else len(shares)}</h4>{shares_html}"
        )

    def _enable(self) -> None:
        chosen = self.selected()
        manager = self.ctx.is_unlocked and self.ctx.user.is_manager
        self.add_button.setEnabled(manager)
        self.edit_button.setEnabled(manager and chosen is not None)
        self.attach_button.setEnabled(manager and chosen is not None)
        self.save_doc_button.setEnabled(chosen is not None and bool(chosen.document_name))
        self.template_button.setEnabled(manager)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(bool(text))

    # -- actions -------------------------------------------------------------------------------

    def _open_dialog(self, agreement: Agreement | None) -> AgreementDialog:
        self.dialog = AgreementDialog(self.ctx, agreement, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.dialog.accepted.connect(self._saved)
        self.dialog.open()
        return self.dialog

    def add_agreement(self) -> AgreementDialog:
        return self._open_dialog(None)

    def edit_agreement(self) -> AgreementDialog | None:
        chosen = self.selected()
        return self._open_dialog(chosen) if chosen is not None else None

    def _saved(self) -> None:
        dialog = self.sender()
        saved = getattr(dialog, "saved", None)
        self.refresh()
        if saved is not None:
            self.select(saved.id)
            self.show_message(f"Saved agreement #{saved.id}: {saved.title}.")

    def attach_document(self, path: Path | None = None) -> bool:
        chosen = self.selected()
        if chosen is None:
            return False
        path = path or choose_document(self)
        if path is None:
            return False
        try:
            updated = agreements.attach_document(self.ctx.session, chosen.id, path)
        except AppError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.ctx.data_changed.emit("agreements")
        self.refresh()
        self.show_message(
            f"Attached {updated.document_name} to agreement #{updated.id}, kept in the casebook."
        )
        return True

    def save_document(self, path: Path | None = None) -> Path | None:
        chosen = self.selected()
        if chosen is None or not chosen.document_name:
            return None
        path = path or choose_save_path(self, "Save the signed agreement", chosen.document_name)
        if path is None:
            return None
        try:
            written = agreements.save_document(self.ctx.session, chosen.id, path)
        except AppError as exc:
            self.show_message(exc.message, error=True)
            return None
        self.show_message(f"Saved {written}.")
        return written

    def make_template(self, path: Path | None = None) -> Path | None:
        chosen = self.selected()
        confirmed = path is None  # the save dialog has already asked before replacing a file
        path = path or choose_save_path(
            self, "Save the agreement template", "data-sharing-agreement.pdf", TEMPLATE_FILTER
        )
        if path is None:
            return None
        try:
            from setting_app.services.agreement_template import write_template

            written = write_template(
                self.ctx.session, path, agreement_id=chosen.id if chosen else None, overwrite=confirmed
            )
        except ImportError:
            self.show_message("Making agreement templates is not available in this version.", error=True)
            return None
        except AppError as exc:
            self.show_message(exc.message, error=True)
            return None
        self.show_message(f"Saved the template to {written}. Have your data protection officer check it.")
        return written
