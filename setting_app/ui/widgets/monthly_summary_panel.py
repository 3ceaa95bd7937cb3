"""Reports → Monthly summary: pick a month, preview the PDF's pages, print or save them.

The figures and the PDF are made off the UI thread (a ``QThread`` with its own casebook connection
from ``Session.for_thread()``), with a busy indicator; the PDF stays in memory until the manager
saves or prints it. Locking the casebook clears the preview.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QThread, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError
from setting_app.services.monthly_summary import (
    Month,
    MonthlySummary,
    monthly_summary,
    print_summary,
    save_summary_file,
)
from setting_app.services.report_pdf import format_minutes, render_monthly_pdf
from setting_app.services.session import Session

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.pdf_preview import PdfPreview

#: How many months back the picker offers.
MONTHS_OFFERED = 36

#: Workers still running, kept alive until they finish even if the panel goes away.
_running: set[QThread] = set()


class SummaryWorker(QThread):
    """Computes the summary and renders its PDF on a connection of its own."""

    succeeded = Signal(int, object, object)  # job number, MonthlySummary, PDF bytes
    failed = Signal(int, str)

    def __init__(self, session: Session, month: Month, job: int) -> None:
        super().__init__()
        self._session = session
        self._month = month
        self._job = job

    def run(self) -> None:
        thread_session: Session | None = None
        try:
            thread_session = self._session.for_thread()  # SQLite connections belong to one thread
            summary = monthly_summary(thread_session, self._month)
            rendered = render_monthly_pdf(summary)
            self.succeeded.emit(self._job, summary, rendered.data)
        except AppError as exc:
            self.failed.emit(self._job, exc.message)
        except Exception:  # a bug: say so plainly, with nothing from the records
            self.failed.emit(
                self._job,
                "Something went wrong while making the summary. Nothing was saved; please try again.",
            )
        finally:
            if thread_session is not None:
                thread_session.close()


class MonthlySummaryPanel(QWidget):
    #: A summary is shown and can be printed or saved.
    summary_ready = Signal()
    #: Making a summary started (True) or ended, well or not (False).
    busy_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._jobs = itertools.count(1)
        self._current_job = 0
        self._summary: MonthlySummary | None = None
        self._pdf: bytes | None = None

        self.month_picker = QComboBox()
        self.month_picker.setAccessibleName("Month")
        self.month_picker.setMinimumContentsLength(14)
        month_label = QLabel("&Month")
        month_label.setBuddy(self.month_picker)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.setAccessibleName("Make and preview the monthly summary")
        self.preview_button.setDefault(True)
        self.print_button = QPushButton("P&rint…")
        self.print_button.setAccessibleName("Print the monthly summary")
        self.save_button = QPushButton("&Save PDF…")
        self.save_button.setAccessibleName("Save the monthly summary as a PDF")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: no percentage to show
        self.progress.setAccessibleName("Making the summary")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Report status")
        self.preview = PdfPreview()

        controls = QHBoxLayout()
        controls.addWidget(month_label)
        controls.addWidget(self.month_picker)
        controls.addWidget(self.preview_button)
        controls.addWidget(self.progress)
        controls.addStretch(1)
        controls.addWidget(self.print_button)
        controls.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.preview, 1)
        self.setTabOrder(self.month_picker, self.preview_button)
        self.setTabOrder(self.preview_button, self.print_button)
        self.setTabOrder(self.print_button, self.save_button)

        self.preview_button.clicked.connect(self.generate)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.month_picker.currentIndexChanged.connect(self._on_month_changed)
        ctx.locked_changed.connect(self._on_locked_changed)
        self._fill_months()
        self._update_buttons()

    # --- state ---------------------------------------------------------------------------------

    @property
    def summary(self) -> MonthlySummary | None:
        return self._summary

    @property
    def pdf_bytes(self) -> bytes | None:
        return self._pdf

    @property
    def is_busy(self) -> bool:
        return self._current_job != 0

    def selected_month(self) -> Month:
        year, month = str(self.month_picker.currentData()).split("-")
        return Month(int(year), int(month))

    def select_month(self, month: Month) -> None:
        index = self.month_picker.findData(month.code)
        if index < 0:
            raise AppError(f"{month.label} is not one of the months offered.")
        self.month_picker.setCurrentIndex(index)

    def refresh(self) -> None:
        """Called when the screen is shown: keep the month list current (the date may have moved)."""
        self._fill_months()

    def _fill_months(self) -> None:
        this_month = Month.of(self._ctx.clock.today())
        offered = [this_month.shifted(-i) for i in range(MONTHS_OFFERED)]
        codes = [m.code for m in offered]
        if [self.month_picker.itemData(i) for i in range(self.month_picker.count())] == codes:
            return
        keep = self.month_picker.currentData()
        self.month_picker.blockSignals(True)
        self.month_picker.clear()
        for month in offered:
            suffix = " (so far)" if month == this_month else ""
            self.month_picker.addItem(f"{month.label}{suffix}", month.code)
        # Default: the last complete month, which is what managers print.
        index = self.month_picker.findData(keep if keep in codes else this_month.previous.code)
        self.month_picker.setCurrentIndex(max(index, 0))
        self.month_picker.blockSignals(False)

    def _update_buttons(self) -> None:
        ready = self._pdf is not None and not self.is_busy
        self.preview_button.setEnabled(not self.is_busy)
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _set_busy(self, job: int) -> None:
        self._current_job = job
        self.progress.setVisible(bool(job))
        self._update_buttons()
        self.busy_changed.emit(bool(job))

    # --- making the summary ----------------------------------------------------------------------

    def generate(self) -> None:
        """Make the selected month's summary in the background."""
        if self.is_busy:
            return
        try:
            session = self._ctx.session
            session.require_manager("make the monthly summary")
        except AppError as exc:
            self.status_label.setText(exc.message)
            return
        month = self.selected_month()
        job = next(self._jobs)
        self._forget_report()
        self.status_label.setText(f"Making the summary for {month.label}…")
        worker = SummaryWorker(session, month, job)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(lambda w=worker: _finished(w))
        _running.add(worker)
        self._set_busy(job)
        worker.start()

    def _on_succeeded(self, job: int, summary: MonthlySummary, pdf: bytes) -> None:
        if job != self._current_job:
            return  # a stale result (the casebook was locked meanwhile)
        self._set_busy(0)
        if not self._ctx.is_unlocked:
            return
        try:
            pages = self.preview.set_pdf(pdf)
        except AppError as exc:
            self.status_label.setText(exc.message)
            return
        self._summary, self._pdf = summary, pdf
        self.status_label.setText(_describe(summary, pages))
        self._update_buttons()
        self.summary_ready.emit()

    def _on_failed(self, job: int, message: str) -> None:
        if job != self._current_job:
            return
        self._set_busy(0)
        self.status_label.setText(message)

    def _on_month_changed(self) -> None:
        if self._summary is not None and self._summary.month != self.selected_month():
            self._forget_report()
            self.status_label.setText("Press Preview to make the summary for this month.")

    def _forget_report(self, message: str = "") -> None:
        self._summary = None
        self._pdf = None
        self.preview.clear(message)
        self._update_buttons()

    def _on_locked_changed(self, locked: bool) -> None:
        if locked:
            self._current_job = 0  # any result still coming is dropped
            self.progress.hide()
            self._forget_report("The casebook is locked.")
            self.status_label.setText("")
        else:
            self.preview.clear("Pick a month and press Preview to see the report here.")
            self._fill_months()
        self._update_buttons()

    # --- printing and saving -----------------------------------------------------------------------

    def suggested_file_name(self) -> str:
        month = self._summary.month if self._summary else self.selected_month()
        return f"monthly-summary-{month.code}.pdf"

    def save_pdf_to(self, path: Path) -> Path:
        """Save the previewed PDF (the very bytes shown) where the manager chose."""
        if self._pdf is None or self._summary is None:
            raise AppError("There is nothing to save yet: preview a month first.")
        target = save_summary_file(self._ctx.session, self._summary, self._pdf, Path(path), kind="pdf")
        self.status_label.setText(f"Saved to {target}.")
        return target

    def print_to(self, printer: QPrinter) -> int:
        """Print the previewed pages; the PRINT audit row is kept only if printing worked."""
        if self._pdf is None or self._summary is None:
            raise AppError("There is nothing to print yet: preview a month first.")
        pages = print_summary(self._ctx.session, self._summary, lambda: self.preview.print_to(printer))
        self.status_label.setText(f"Sent {pages} page{'s' if pages != 1 else ''} to the printer.")
        return pages

    def _on_save_clicked(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the monthly summary",
            str(Path(folder) / self.suggested_file_name()),
            "PDF files (*.pdf)",
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            self.save_pdf_to(Path(path))
        except AppError as exc:
            QMessageBox.warning(self, "Not saved", exc.message)

    def _on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_file_name())
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the monthly summary")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except AppError as exc:
            QMessageBox.warning(self, "Not printed", exc.message)


def _finished(worker: QThread) -> None:
    _running.discard(worker)
    worker.deleteLater()


def _describe(summary: MonthlySummary, pages: int) -> str:
    """The headline in words, for everyone and for screen readers (the page images are pictures)."""
    h = summary.headline
    so_far = f" (to {summary.as_of.day} {summary.as_of.strftime('%B')})" if summary.is_partial_month else ""
    return (
        f"{summary.month.label}{so_far}: {h.families_supported} families and {h.children_supported} children "
        f"supported; {h.entries} support entries ({h.direct_entries} direct, {h.indirect_entries} indirect); "
        f"{format_minutes(h.minutes)} of staff time; {h.referrals_made} referrals made. "
        f"{_describe_outcomes(summary)}{pages} page{'s' if pages != 1 else ''}."
    )


#: How many outcomes the status line names (the PDF's table has them all).
OUTCOMES_NAMED = 3


def _describe_outcomes(summary: MonthlySummary) -> str:
    """The outcomes most families were supported towards, in words."""
    table = summary.outcomes
    ranked = sorted(
        (row for row in table.rows() if row[2].families), key=lambda row: (-row[2].families, row[1])
    )
    if not ranked:
        return ""
    named = "; ".join(f"{label} {figures.families}" for _, label, figures in ranked[:OUTCOMES_NAMED])
    return f"Families by {table.framework.outcome_word} ({table.framework.label}): {named}. "
