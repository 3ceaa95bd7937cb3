"""Family summary…: preview the summary for one person (a carer or a young person), review what it
leaves out, then print it or save it as a PDF.

The summary is for the person chosen in "For": sensitive items and other carers' items are left out.
"Review left-out items…" lists them with why; a manager may tick one in with a reason.

The PDF is made in memory, on a worker thread with its own connection (a long history takes seconds),
when the dialog opens and again when the manager ticks "Include staff notes"; nothing is written or audited until it is printed or saved, and then the service re-checks
that the family has no restricted record in the same transaction as the audit row. While the family
has one, the dialog shows the service's message instead of a preview.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError
from setting_app.services import families, family_summary
from setting_app.services.document_review import Choices
from setting_app.services.family_summary import PreparedSummary, SummaryWithheld

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.document_review_dialog import DocumentReviewDialog
from setting_app.ui.widgets.pdf_preview import PdfPreview
from setting_app.ui.workers import report_error, run_with_session


class FamilySummaryDialog(QDialog):
    #: A preview is shown, or the message saying why there is none (after each ``refresh``).
    settled = Signal()

    def __init__(self, ctx: AppContext, family_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.family_id = family_id
        self._jobs = itertools.count(1)
        #: The job whose result is awaited (0 when none is running).
        self._current_job = 0
        self.prepared: PreparedSummary | None = None
        #: The message shown instead of a preview (withheld, or another problem); empty when shown.
        self.message = ""
        self.withheld = False
        #: The manager's choices at the review (items put back in, with reasons).
        self.choices: Choices | None = None
        self.setWindowTitle("Family summary")
        self.setAccessibleName("Family summary")

        intro = QLabel(
            "A summary in plain words for one person to keep: the support they have had, who they were "
            "referred to, what the setting holds about them and who it has been shared with. Sensitive "
            "items and other carers' items are left out: review them before handing it over. "
            "Printing or saving it is recorded in the audit trail."
        )
        intro.setWordWrap(True)
        self.person = QComboBox()
        self.person.setAccessibleName("Who the summary is for")
        if ctx.is_unlocked:
            family = families.get_family(ctx.session, family_id)
            for c in family.carers:
                if c.name.strip():
                    self.person.addItem(f"{c.name} ({c.relationship})" if c.relationship else c.name, c.name)
            for child in families.list_children(ctx.session, family_id):
                self.person.addItem(f"{child.name} (young person)", child.key)
        self.review_button = QPushButton("Re&view left-out items…")
        self.review_button.setAccessibleName("Review the items left out of the summary")
        self.review_button.clicked.connect(self.open_review)
        for_row = QHBoxLayout()
        for_row.addWidget(QLabel("&For:"))
        for_row.itemAt(0).widget().setBuddy(self.person)
        for_row.addWidget(self.person, 1)
        for_row.addWidget(self.review_button)
        self.notes_box = QCheckBox("Include staff &notes")
        self.notes_box.setAccessibleName("Include the notes staff wrote")
        manager = ctx.is_unlocked and ctx.user.is_manager
        self._may_include_notes = manager
        self.notes_box.setEnabled(manager)
        self.notes_box.setToolTip(
            "Staff write notes for each other: include them only if the family should have them"
            if manager
            else "Only a manager can include staff notes"
        )
        self.every_visit_box = QCheckBox("List &every visit")
        self.every_visit_box.setAccessibleName("List every time the setting helped, not one line per month")
        self.every_visit_box.setToolTip(
            "One line per month keeps the summary short; tick to list every visit with its date"
        )
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Summary status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = PdfPreview()
        self.preview.setAccessibleName("Preview of the family summary")

        self.print_button = QPushButton("P&rint…")
        self.print_button.setAccessibleName("Print the family summary")
        self.save_button = QPushButton("&Save PDF…")
        self.save_button.setAccessibleName("Save the family summary as a PDF")
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.notes_box)
        buttons.addWidget(self.every_visit_box)
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, close):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(for_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)

        self.person.currentIndexChanged.connect(self._on_person_changed)
        self.notes_box.toggled.connect(self.refresh)
        self.every_visit_box.toggled.connect(self.refresh)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        ctx.locked_changed.connect(self._on_locked_changed)
        self.finished.connect(self._forget_job)  # a result arriving after closing is dropped
        self.resize(820, 900)
        self.refresh()

    # --- making the preview ------------------------------------------------------------------------

    @property
    def is_busy(self) -> bool:
        return self._current_job != 0

    def refresh(self) -> None:
        """Make the summary again (e.g. with or without notes) in the background; show it, or say why not."""
        self.prepared = None
        self.withheld = False
        self.message = ""
        if not self.ctx.is_unlocked:
            self._current_job = 0
            self._show_message("The casebook is locked.")
            self.settled.emit()
            return
        job = next(self._jobs)
        self._current_job = job
        include_notes = self.notes_box.isChecked()
        every_visit = self.every_visit_box.isChecked()
        family_id = self.family_id
        person = self.person.currentData()
        choices = self.choices
        self.status_label.setText("Making the summary…")
        self.preview.clear("Making the summary…")
        self._update_buttons()
        run_with_session(
            self.ctx,
            lambda session: family_summary.prepare_summary(
                session,
                family_id,
                person=person,
                include_notes=include_notes,
                every_visit=every_visit,
                choices=choices,
            ),
            lambda prepared: self._on_prepared(job, prepared),
            lambda error: self._on_failed(job, error),
        )

    def _on_failed(self, job: int, error: BaseException) -> None:
        if job != self._current_job:
            return  # a stale result (notes ticked again, or the casebook locked meanwhile)
        self._current_job = 0
        if isinstance(error, SummaryWithheld):
            self.withheld = True
            self._show_message(error.message)
        elif isinstance(error, AppError):
            self._show_message(error.message)
        else:
            self._show_message("The summary could not be made.")
            report_error(error)
        self.settled.emit()

    def _on_prepared(self, job: int, prepared: PreparedSummary) -> None:
        if job != self._current_job:
            return
        self._current_job = 0
        if not self.ctx.is_unlocked:
            self._show_message("The casebook is locked.")
            self.settled.emit()
            return
        try:
            pages = self.preview.set_pdf(prepared.pdf)
        except AppError as exc:
            self._show_message(exc.message)
            self.settled.emit()
            return
        self.prepared = prepared
        summary = prepared.summary
        self.setWindowTitle(f"Summary for {summary.made_for} ({summary.family.ref})")
        notes = "with staff notes" if summary.include_notes else "without staff notes"
        self.status_label.setText(
            f"{len(summary.support)} support entr{'y' if len(summary.support) == 1 else 'ies'}, "
            f"{len(summary.referrals)} referral{'' if len(summary.referrals) == 1 else 's'}, "
            f"{len(summary.sharing)} sharing record{'' if len(summary.sharing) == 1 else 's'}; "
            f"{pages} page{'' if pages == 1 else 's'}, {notes}."
            + (f" {note}" if (note := family_summary.left_out_note(summary)) else "")
            + (f" {warning}" if (warning := family_summary.check_first_warning(summary)) else "")
        )
        self._update_buttons()
        self.settled.emit()

    def _show_message(self, message: str) -> None:
        self.message = message
        self.status_label.setText(message)
        self.preview.clear(message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.prepared is not None and not self.is_busy
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        self.notes_box.setEnabled(self._may_include_notes and not self.is_busy)
        self.every_visit_box.setEnabled(not self.is_busy)
        self.person.setEnabled(not self.is_busy)
        self.review_button.setEnabled(self.prepared is not None and not self.is_busy)

    # --- printing and saving -----------------------------------------------------------------------

    def save_to(self, path: Path) -> Path:
        """Save the previewed PDF (the very bytes shown); the service audits it and re-checks restrictions."""
        if self.prepared is None:
            raise AppError("There is nothing to save: the summary could not be made.")
        try:
            target = family_summary.save_summary(self.ctx.session, self.prepared, Path(path))
        except SummaryWithheld:
            self.refresh()  # a restriction was added since the preview: show why
            raise
        self.status_label.setText(f"Saved to {target}.")
        return target

    def print_to(self, printer: QPrinter) -> int:
        if self.prepared is None:
            raise AppError("There is nothing to print: the summary could not be made.")
        try:
            pages = family_summary.print_summary(
                self.ctx.session, self.prepared, lambda: self.preview.print_to(printer)
            )
        except SummaryWithheld:
            self.refresh()
            raise
        self.status_label.setText(f"Sent {pages} page{'s' if pages != 1 else ''} to the printer.")
        return pages

    def _on_save_clicked(self) -> None:
        if self.prepared is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = family_summary.suggested_file_name(self.prepared.summary)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the family summary", str(Path(folder) / suggested), "PDF files (*.pdf)"
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            self.save_to(Path(path))
        except AppError as exc:
            QMessageBox.warning(self, "Not saved", exc.message)

    def _on_print_clicked(self) -> None:
        if self.prepared is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(family_summary.suggested_file_name(self.prepared.summary))
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the family summary")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except AppError as exc:
            QMessageBox.warning(self, "Not printed", exc.message)

    # --- the review ----------------------------------------------------------------------------------

    def review_dialog(self) -> DocumentReviewDialog | None:
        """The review of what the previewed summary leaves out (None before a preview)."""
        if self.prepared is None or self.prepared.summary.assessment is None:
            return None
        return DocumentReviewDialog(
            self.prepared.summary.assessment,
            may_include=self.ctx.is_unlocked and self.ctx.user.is_manager,
            choices=self.choices,
            parent=self,
        )

    def apply_review(self, dialog: DocumentReviewDialog) -> None:
        """Make the summary again with the manager's choices (checked again by the service)."""
        if dialog.may_include:
            self.choices = dialog.choices()
            self.refresh()

    def open_review(self) -> None:
        dialog = self.review_dialog()
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_review(dialog)

    def _on_person_changed(self, _index: int) -> None:
        self.choices = None  # choices are for one person's summary
        self.refresh()

    def _forget_job(self, _result: int = 0) -> None:
        self._current_job = 0

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:  # nothing personal stays on screen
            self._current_job = 0
            self.prepared = None
            self._show_message("The casebook is locked.")
            self.reject()
