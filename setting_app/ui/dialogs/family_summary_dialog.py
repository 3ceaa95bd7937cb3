"""Family summary…: preview the family-facing summary, then print it or save it as a PDF.

The PDF is made in memory when the dialog opens (and again when the manager ticks "Include staff
notes"); nothing is written or audited until it is printed or saved, and then the service re-checks
that the family has no restricted record in the same transaction as the audit row. While the family
has one, the dialog shows the service's message instead of a preview.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
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
from setting_app.services import family_summary
from setting_app.services.family_summary import PreparedSummary, SummaryWithheld

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.pdf_preview import PdfPreview


class FamilySummaryDialog(QDialog):
    def __init__(self, ctx: AppContext, family_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.family_id = family_id
        self.prepared: PreparedSummary | None = None
        #: The message shown instead of a preview (withheld, or another problem); empty when shown.
        self.message = ""
        self.withheld = False
        self.setWindowTitle("Family summary")
        self.setAccessibleName("Family summary")

        intro = QLabel(
            "A summary in plain words for the family to keep: the support they have had, who they were "
            "referred to, what the setting holds about them and who it has been shared with. "
            "Printing or saving it is recorded in the audit trail."
        )
        intro.setWordWrap(True)
        self.notes_box = QCheckBox("Include staff &notes")
        self.notes_box.setAccessibleName("Include the notes staff wrote")
        manager = ctx.is_unlocked and ctx.user.is_manager
        self.notes_box.setEnabled(manager)
        self.notes_box.setToolTip(
            "Staff write notes for each other: include them only if the family should have them"
            if manager
            else "Only a manager can include staff notes"
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
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, close):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status_label)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)

        self.notes_box.toggled.connect(self.refresh)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        ctx.locked_changed.connect(self._on_locked_changed)
        self.resize(820, 900)
        self.refresh()

    # --- making the preview ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Make the summary again (e.g. with or without notes) and show it, or say why it cannot be."""
        self.prepared = None
        self.withheld = False
        self.message = ""
        if not self.ctx.is_unlocked:
            self._show_message("The casebook is locked.")
            return
        try:
            prepared = family_summary.prepare_summary(
                self.ctx.session, self.family_id, include_notes=self.notes_box.isChecked()
            )
            pages = self.preview.set_pdf(prepared.pdf)
        except SummaryWithheld as exc:
            self.withheld = True
            self._show_message(exc.message)
            return
        except AppError as exc:
            self._show_message(exc.message)
            return
        self.prepared = prepared
        summary = prepared.summary
        self.setWindowTitle(f"Family summary for {summary.family.ref}")
        notes = "with staff notes" if summary.include_notes else "without staff notes"
        self.status_label.setText(
            f"{len(summary.support)} support entr{'y' if len(summary.support) == 1 else 'ies'}, "
            f"{len(summary.referrals)} referral{'' if len(summary.referrals) == 1 else 's'}, "
            f"{len(summary.sharing)} sharing record{'' if len(summary.sharing) == 1 else 's'}; "
            f"{pages} page{'' if pages == 1 else 's'}, {notes}."
        )
        self._update_buttons()

    def _show_message(self, message: str) -> None:
        self.message = message
        self.status_label.setText(message)
        self.preview.clear(message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.prepared is not None
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

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

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:  # nothing personal stays on screen
            self.prepared = None
            self._show_message("The casebook is locked.")
            self.reject()
