"""Reports → Local authority export: pick a period and the rule, preview every count as it will be
published (with each hidden cell and why it was hidden), then write the signed return to a folder.

Counting and writing run off the UI thread on a connection of their own (``run_with_session``). The
preview shows exact counts beside the published ones, so it is for managers only, like the export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError
from setting_app.services import export_keys
from setting_app.services.la_export import LaExport, WrittenReturn, prepare_export, write_return
from setting_app.services.la_export import self_evaluation as la_self_evaluation
from setting_app.services.la_export.build import PreviewCell
from setting_app.services.la_export.exact import load_authority_public_key
from setting_app.services.la_export.periods import Period, default_period, recent_periods
from setting_app.services.la_export.sdc import DEFAULT_THRESHOLD, MAX_THRESHOLD, MIN_THRESHOLD, SdcParams
from setting_app.services.la_export.signing import fingerprint, raw_public

from setting_app.ui.context import AppContext
from setting_app.ui.workers import run_with_session

ROUNDING_CHOICES = (
    (5, "To the nearest 5 (standard)"),
    (10, "To the nearest 10"),
    (1, "No rounding (more cells hidden instead)"),
)
#: Short names for the tables, to leave the breakdown room in the preview.
TABLE_NAMES = {
    "support_by_domain_and_type": "Need domain and type",
    "support_by_activity": "Activity type",
    "children_by_age_band": "Age band",
    "families_by_home_la": "Home authority",
    "referrals_by_service_and_status": "Referral status",
    "referral_outcomes": "Referral outcomes",
    "contacts_and_hours": "Contacts",
}
BUG_MESSAGE = "Something went wrong while making the return. Nothing was written; please try again."


class LaPreviewModel(QAbstractTableModel):
    """The counts of a return: what the casebook holds, what is published, and why a cell is hidden."""

    COLUMNS = ("Table", "Breakdown", "Count of", "Actual", "Published", "Why hidden")
    TABLE, BREAKDOWN, INDICATOR, EXACT, PUBLISHED, REASON = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PreviewCell] = []

    def set_rows(self, rows: list[PreviewCell]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def cell(self, row: int) -> PreviewCell:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        cell = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                TABLE_NAMES.get(cell.table, cell.table_title),
                cell.breakdown,
                cell.indicator,
                str(cell.exact),
                cell.published,
                cell.reason.explanation if cell.reason else "",
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.EXACT, self.PUBLISHED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.TABLE:
            return cell.table_title
        if role == Qt.ItemDataRole.ToolTipRole and column == self.REASON and cell.reason:
            return {
                "primary": "Counts from 1 to the threshold less one are hidden.",
                "dominance": "Every family behind the total is in one category: the whole breakdown is hidden.",
                "secondary": "Shown, this cell would let someone work out a hidden one from a total.",
            }[cell.reason.value]
        return None


def _choose_folder(parent: QWidget) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, "Choose an empty folder for the return")
    return Path(folder) if folder else None


def _choose_key_file(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "The authority's public key", "", "Public keys (*.pem);;All files (*)"
    )
    return Path(path) if path else None


class LaExportPanel(QWidget):
    #: A preview is shown (the LaExport).
    preview_ready = Signal(object)
    #: A return was written (the WrittenReturn).
    export_finished = Signal(object)
    #: Something went wrong (the message shown).
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        choose_folder: Callable[[QWidget], Path | None] = _choose_folder,
        choose_key_file: Callable[[QWidget], Path | None] = _choose_key_file,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._choose_folder = choose_folder
        self._choose_key_file = choose_key_file
        self._export: LaExport | None = None
        self._authority_key: Path | None = None
        self._busy = False

        intro = QLabel(
            "An anonymised return of this setting's figures for the local authority. Small counts are "
            "hidden (shown as c) and the rest rounded, so no family can be picked out. Preview it to see "
            "exactly what will be sent, and which counts are hidden and why."
        )
        intro.setWordWrap(True)
        self.period_picker = QComboBox()
        self.period_picker.setAccessibleName("Period")
        period_label = QLabel("&Period")
        period_label.setBuddy(self.period_picker)
        self.threshold = QSpinBox()
        self.threshold.setRange(MIN_THRESHOLD, MAX_THRESHOLD)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setAccessibleName("Smallest count shown")
        threshold_label = QLabel("Smallest count &shown")
        threshold_label.setBuddy(self.threshold)
        self.rounding = QComboBox()
        self.rounding.setAccessibleName("Rounding")
        for base, label in ROUNDING_CHOICES:
            self.rounding.addItem(label, base)
        rounding_label = QLabel("&Rounding")
        rounding_label.setBuddy(self.rounding)
        self.preview_button = QPushButton("Pre&view")
        self.preview_button.setDefault(True)
        self.preview_button.setAccessibleName("Preview the local authority return")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Counting")
        self.progress.hide()

        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Return status")
        self.hidden_only = QCheckBox("Show &hidden counts only")
        self.hidden_only.setChecked(True)
        self.model = LaPreviewModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Counts in the return")
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LaPreviewModel.BREAKDOWN, QHeaderView.ResizeMode.Stretch)

        self.key_button = QPushButton("Exact counts for the &authority…")
        self.key_button.setAccessibleName("Choose the authority's public key to include exact counts")
        self.key_label = QLabel("Exact counts: not included")
        self.key_label.setWordWrap(True)
        self.export_button = QPushButton("&Export to folder…")
        self.export_button.setAccessibleName("Write the signed return to a folder")
        self.fingerprint_label = QLabel("")
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QHBoxLayout()
        for widget in (
            period_label,
            self.period_picker,
            threshold_label,
            self.threshold,
            rounding_label,
            self.rounding,
        ):
            controls.addWidget(widget)
        controls.addWidget(self.preview_button)
        controls.addWidget(self.progress)
        controls.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.key_button)
        bottom.addWidget(self.key_label, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.hidden_only)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.fingerprint_label)

        self.preview_button.clicked.connect(self.generate)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.key_button.clicked.connect(self._on_key_clicked)
        self.hidden_only.toggled.connect(lambda _on: self._show_rows())
        self.period_picker.currentIndexChanged.connect(self._on_choice_changed)
        self.threshold.valueChanged.connect(self._on_choice_changed)
        self.rounding.currentIndexChanged.connect(self._on_choice_changed)
        ctx.locked_changed.connect(self._on_locked_changed)
        self.refresh()

    # --- state -----------------------------------------------------------------------------------

    @property
    def export(self) -> LaExport | None:
        return self._export

    @property
    def is_busy(self) -> bool:
        return self._busy

    def selected_period(self) -> Period:
        return self.period_picker.currentData()

    def select_period(self, code: str) -> None:
        for i in range(self.period_picker.count()):
            if self.period_picker.itemData(i).code == code:
                self.period_picker.setCurrentIndex(i)
                return
        raise AppError(f"{code} is not one of the periods offered.")

    def params(self) -> SdcParams:
        return SdcParams(self.threshold.value(), int(self.rounding.currentData()))

    def refresh(self) -> None:
        """Keep the periods current and say who may use this."""
        self._fill_periods()
        allowed = self._ctx.is_unlocked and self._ctx.user.is_manager
        for widget in (
            self.period_picker,
            self.threshold,
            self.rounding,
            self.preview_button,
            self.key_button,
        ):
            widget.setEnabled(allowed and not self._busy)
        if not self._ctx.is_unlocked:
            self.fingerprint_label.setText("")
        elif not allowed:
            self.status_label.setText("Only a manager can make the local authority return.")
        else:
            fp = export_keys.export_key_fingerprint(self._ctx.session.conn)
            self.fingerprint_label.setText(
                f"Returns are signed with this setting's export key {fp}."
                if fp
                else "The export key is made with the first return."
            )
        self._update_buttons()

    def _fill_periods(self) -> None:
        today = self._ctx.clock.today()
        periods = recent_periods(today)
        if [self.period_picker.itemData(i) for i in range(self.period_picker.count())] == periods:
            return
        keep = self.period_picker.currentData()
        self.period_picker.blockSignals(True)
        self.period_picker.clear()
        for period in periods:
            suffix = "" if period.is_complete(today) else " (so far)"
            self.period_picker.addItem(f"{period.label}{suffix}", period)
        wanted = keep if keep in periods else default_period(today)
        self.period_picker.setCurrentIndex(max(periods.index(wanted), 0))
        self.period_picker.blockSignals(False)

    def _update_buttons(self) -> None:
        manager = self._ctx.is_unlocked and self._ctx.user.is_manager
        self.export_button.setEnabled(manager and self._export is not None and not self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for widget in (
            self.period_picker,
            self.threshold,
            self.rounding,
            self.preview_button,
            self.key_button,
        ):
            widget.setEnabled(not busy)
        self._update_buttons()
        self.busy_changed.emit(busy)

    # --- preview ----------------------------------------------------------------------------------

    def generate(self) -> None:
        if self._busy:
            return
        try:
            self._ctx.session.require_manager("make the local authority return")
            params = self.params()
        except AppError as exc:
            self._fail(exc.message)
            return
        period = self.selected_period()
        self._forget()
        self.status_label.setText(f"Counting {period.label}…")
        self._set_busy(True)
        run_with_session(
            self._ctx,
            lambda session: prepare_export(session, period, params),
            self._on_previewed,
            self._on_error,
        )

    def _on_previewed(self, export: LaExport) -> None:
        self._set_busy(False)
        if not self._ctx.is_unlocked:
            return
        self._export = export
        today = self._ctx.clock.today()
        partial = (
            "" if export.period.is_complete(today) else " The period has not ended: the counts are so far."
        )
        ratings = la_self_evaluation.return_note(self._ctx.session.conn, export.period)
        self.status_label.setText(f"{export.period.label}: {export.summary()}{partial} {ratings}")
        self._show_rows()
        self._update_buttons()
        self.preview_ready.emit(export)

    def _show_rows(self) -> None:
        if self._export is None:
            self.model.set_rows([])
            return
        self.model.set_rows(self._export.preview(suppressed_only=self.hidden_only.isChecked()))

    # --- export -------------------------------------------------------------------------------------

    def export_to(self, folder: Path) -> None:
        """Write the previewed return into ``folder`` (new or empty), in the background."""
        export = self._export
        if export is None:
            self._fail("Preview the return first, so you can see what will be sent.")
            return
        key = self._authority_key
        self.status_label.setText(f"Writing the return to {folder}…")
        self._set_busy(True)
        run_with_session(
            self._ctx,
            lambda session: write_return(session, export, folder, exact_for=key),
            self._on_written,
            self._on_error,
        )

    def _on_written(self, written: WrittenReturn) -> None:
        self._set_busy(False)
        exact = (
            f" Exact counts are encrypted to the authority key {written.exact_for}."
            if written.exact_for
            else ""
        )
        self.status_label.setText(
            f"Saved the {self._export.period.label if self._export else ''} return to {written.out_dir} "
            f"({len(written.files)} files, {written.suppressed} counts hidden). Signed with key {written.fingerprint}.{exact}"
        )
        self.fingerprint_label.setText(
            f"Returns are signed with this setting's export key {written.fingerprint}."
        )
        self.export_finished.emit(written)

    def use_authority_key(self, path: Path | None) -> None:
        if path is None:
            self._authority_key = None
            self.key_label.setText("Exact counts: not included")
            return
        try:
            key = load_authority_public_key(path)
        except AppError as exc:
            self._fail(exc.message)
            return
        self._authority_key = path
        self.key_label.setText(
            f"Exact counts: included, encrypted to the authority key {fingerprint(raw_public(key))} "
            "(only if your data-sharing agreement allows it)"
        )

    def _on_export_clicked(self) -> None:
        folder = self._choose_folder(self)
        if folder is not None:
            self.export_to(folder)

    def _on_key_clicked(self) -> None:
        path = self._choose_key_file(self)
        if path is not None:
            self.use_authority_key(path)

    # --- errors and locking ---------------------------------------------------------------------------

    def _on_error(self, error: BaseException) -> None:
        self._set_busy(False)
        self._fail(error.message if isinstance(error, AppError) else BUG_MESSAGE)

    def _fail(self, message: str) -> None:
        self.status_label.setText(message)
        self.failed.emit(message)

    def _forget(self) -> None:
        self._export = None
        self.model.set_rows([])
        self._update_buttons()

    def _on_choice_changed(self) -> None:
        if self._export is not None:
            self._forget()
            self.status_label.setText("Press Preview to count the return with these choices.")

    def _on_locked_changed(self, locked: bool) -> None:
        self._busy = False
        self.progress.hide()
        self._forget()
        self.status_label.setText("The casebook is locked." if locked else "")
        self.refresh()
