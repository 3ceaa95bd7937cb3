"""Import a support spreadsheet: choose the file, match its columns and words, preview, then import.

The dialog suggests a mapping as soon as a file is chosen; every change re-checks the whole sheet, so
the problems list (by row number and field) and the preview are always current. The import button is
only enabled when there are no problems: the import is all or nothing.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain, Kind
from setting_app.domain.csv_mapping import FIELD_LABELS, FIELDS, REQUIRED_FIELDS, CategoryChoice, CsvMapping
from setting_app.domain.errors import AppError
from setting_app.services import csv_import
from setting_app.services.csv_import import CsvTable, ImportPlan

from setting_app.ui.context import AppContext
from setting_app.ui.errors import reporting_errors, show_app_error
from setting_app.ui.workers import BackgroundTask, report_error, run_with_session

NOT_MAPPED = "(not in this spreadsheet)"
PREVIEW_ROWS = 20
PREVIEW_FIELDS = ("date", "family", "child", "category", "kind", "minutes", "activity", "note")


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    return table


class CsvImportDialog(QDialog):
    #: How many entries were imported, once they are saved.
    imported = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.table: CsvTable | None = None
        self.mapping = CsvMapping()
        self.plan: ImportPlan | None = None
        self._filling = False
        self.setWindowTitle("Import a spreadsheet")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self.resize(1100, 720)
        self._build()
        self._show_plan()

    # --- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        intro = QLabel(
            "Bring support you recorded in a spreadsheet into the casebook. Save the sheet as CSV in "
            "Excel (File, Save As, CSV UTF-8), choose it here, check how its columns and words match, "
            "then import. Every row is imported, or none: fix any problems listed and check again."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)

        file_row = QHBoxLayout()
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("No spreadsheet chosen yet")
        self.file_edit.setAccessibleName("Spreadsheet file")
        choose = QPushButton("&Choose spreadsheet...")
        choose.clicked.connect(self._choose_file)
        self.load_mapping_button = QPushButton("&Use a saved mapping...")
        self.load_mapping_button.clicked.connect(self._choose_mapping)
        self.save_mapping_button = QPushButton("&Save this mapping...")
        self.save_mapping_button.clicked.connect(self._choose_save_mapping)
        file_row.addWidget(QLabel("Spreadsheet:"))
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(choose)
        file_row.addWidget(self.load_mapping_button)
        file_row.addWidget(self.save_mapping_button)
        outer.addLayout(file_row)
        self.file_info = QLabel("")
        self.file_info.setAccessibleName("About the spreadsheet")
        outer.addWidget(self.file_info)

        # Top: the mapping (columns beside words); below: the preview, then the problems.
        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_box = QHBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        columns_group = QGroupBox("1. Which column holds what")
        form = QFormLayout(columns_group)
        self.column_combos: dict[str, QComboBox] = {}
        for name in FIELDS:
            combo = QComboBox()
            combo.setAccessibleName(FIELD_LABELS[name])
            combo.setMinimumContentsLength(22)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self._columns_changed)
            label = FIELD_LABELS[name] + (" *" if name in REQUIRED_FIELDS else "")
            caption = QLabel(label)
            caption.setBuddy(combo)
            form.addRow(caption, combo)
            self.column_combos[name] = combo
        top_box.addWidget(columns_group)

        words_group = QGroupBox("2. What your words mean")
        words_box = QHBoxLayout(words_group)
        self.category_table = _table(
            ["Your word", "Rows", "Area of support", "Direct or indirect"], "Area words"
        )
        self.category_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        words_box.addWidget(self.category_table, 3)
        self.kind_table = _table(["Your word", "Rows", "Direct or indirect"], "Direct or indirect words")
        self.kind_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        words_box.addWidget(self.kind_table, 2)
        top_box.addWidget(words_group, 1)
        splitter.addWidget(top)

        preview_group = QGroupBox(f"3. Preview (first {PREVIEW_ROWS} rows, as they will be saved)")
        preview_box = QVBoxLayout(preview_group)
        self.preview = _table(["Row"] + [FIELD_LABELS[f].split(" (")[0] for f in PREVIEW_FIELDS], "Preview")
        self.preview.horizontalHeader().setStretchLastSection(True)
        preview_box.addWidget(self.preview)
        splitter.addWidget(preview_group)
        problems_group = QGroupBox("4. Problems to fix before importing")
        problems_box = QVBoxLayout(problems_group)
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Problems")
        self.problem_list.setWordWrap(True)
        problems_box.addWidget(self.problem_list)
        splitter.addWidget(problems_group)
        for index, stretch in enumerate((3, 3, 2)):
            splitter.setStretchFactor(index, stretch)
        outer.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.status = QLabel("")
        self.status.setAccessibleName("Import status")
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        self.check_button = QPushButton("Chec&k again")
        self.check_button.clicked.connect(self.refresh)
        self.import_button = QPushButton("&Import")
        self.import_button.clicked.connect(self.import_entries)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: saved in one transaction, no steps to count
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Importing")
        self.progress.hide()
        buttons.addWidget(self.progress)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for button in (self.check_button, self.import_button, close):
            buttons.addWidget(button)
        outer.addLayout(buttons)

    # --- loading ------------------------------------------------------------------------------

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a spreadsheet saved as CSV", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.load_file(Path(path))

    def _choose_mapping(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Use a saved mapping", "", "Mappings (*.json)")
        if path:
            self.load_mapping(Path(path))

    def _choose_save_mapping(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save this mapping", "spreadsheet-mapping.json", "Mappings (*.json)"
        )
        if path:
            self.save_mapping(Path(path))

    def load_file(self, path: Path) -> bool:
        with reporting_errors(self, "Could not read the spreadsheet"):
            table = csv_import.read_table(path)
            self.table = table
            self.file_edit.setText(str(path))
            blanks = (
                f", {table.blank_rows} blank row{'s' if table.blank_rows != 1 else ''} skipped"
                if table.blank_rows
                else ""
            )
            self.file_info.setText(f"{len(table.rows)} rows{blanks} ({table.encoding}).")
            self.mapping = csv_import.suggest_mapping(table, self.mapping)
            self._fill_mapping_widgets()
            self.refresh()
            return True
        return False

    def load_mapping(self, path: Path) -> bool:
        with reporting_errors(self, "Could not use that mapping"):
            saved = csv_import.load_mapping(path)
            self.mapping = csv_import.suggest_mapping(self.table, saved) if self.table else saved
            self._fill_mapping_widgets()
            self.refresh()
            return True
        return False

    def save_mapping(self, path: Path) -> bool:
        with reporting_errors(self, "Could not save the mapping"):
            try:
                csv_import.save_mapping(self.mapping, path)
            except OSError:
                raise AppError(f"The mapping could not be saved to {path}.") from None
            self.status.setText(f"Mapping saved to {path.name}. Use it for your next spreadsheet.")
            return True
        return False

    # --- mapping widgets ----------------------------------------------------------------------

    def _fill_mapping_widgets(self) -> None:
        self._filling = True
        try:
            headings = list(self.table.headings) if self.table else []
            for name, combo in self.column_combos.items():
                combo.clear()
                combo.addItem(NOT_MAPPED, None)
                for heading in headings:
                    combo.addItem(heading, heading)
                chosen = self.mapping.column(name)
                combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)
            self._fill_word_tables()
        finally:
            self._filling = False

    def _fill_word_tables(self) -> None:
        nation = self.ctx.nation
        counts = self.table.distinct_words(self.mapping.column("category")) if self.table else {}
        self.category_table.setRowCount(len(counts))
        for row, word in enumerate(sorted(counts)):
            choice = self.mapping.categories.get(word)
            self.category_table.setItem(row, 0, QTableWidgetItem(word))
            self.category_table.setItem(row, 1, QTableWidgetItem(str(counts[word])))
            domain_combo = QComboBox()
            domain_combo.setAccessibleName(f"Area for '{word}'")
            domain_combo.addItem("Choose...", None)
            for domain in DOMAIN_ORDER:
                domain_combo.addItem(domain.label(nation), domain.value)
            domain_combo.setCurrentIndex(domain_combo.findData(choice.domain.value) if choice else 0)
            kind_combo = QComboBox()
            kind_combo.setAccessibleName(f"Direct or indirect for '{word}'")
            kind_combo.addItem("Usual for the area", None)
            for kind in Kind:
                kind_combo.addItem(kind.label, kind.value)
            kind_combo.setCurrentIndex(
                kind_combo.findData(choice.kind.value) if choice and choice.kind else 0
            )
            domain_combo.currentIndexChanged.connect(lambda _i, w=word: self._category_changed(w))
            kind_combo.currentIndexChanged.connect(lambda _i, w=word: self._category_changed(w))
            self.category_table.setCellWidget(row, 2, domain_combo)
            self.category_table.setCellWidget(row, 3, kind_combo)
        self.category_table.resizeColumnsToContents()
        self.category_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        kind_counts = self.table.distinct_words(self.mapping.column("kind")) if self.table else {}
        self.kind_table.setVisible(bool(kind_counts))
        self.kind_table.setRowCount(len(kind_counts))
        for row, word in enumerate(sorted(kind_counts)):
            self.kind_table.setItem(row, 0, QTableWidgetItem(word))
            self.kind_table.setItem(row, 1, QTableWidgetItem(str(kind_counts[word])))
            combo = QComboBox()
            combo.setAccessibleName(f"Kind for '{word}'")
            combo.addItem("Choose...", None)
            for kind in Kind:
                combo.addItem(kind.label, kind.value)
            chosen = self.mapping.kinds.get(word)
            combo.setCurrentIndex(combo.findData(chosen.value) if chosen else 0)
            combo.currentIndexChanged.connect(lambda _i, w=word: self._kind_changed(w))
            self.kind_table.setCellWidget(row, 2, combo)

    def _row_of(self, table: QTableWidget, word: str) -> int:
        return next(r for r in range(table.rowCount()) if table.item(r, 0).text() == word)

    def _columns_changed(self) -> None:
        if self._filling or self.table is None:
            return
        columns = {
            name: combo.currentData() for name, combo in self.column_combos.items() if combo.currentData()
        }
        self.mapping = csv_import.suggest_mapping(
            self.table, CsvMapping(columns, self.mapping.categories, self.mapping.kinds)
        )
        # Keep the person's column choices exactly (suggestions only fill words, not columns).
        self.mapping = CsvMapping(columns, self.mapping.categories, self.mapping.kinds)
        self._filling = True
        try:
            self._fill_word_tables()
        finally:
            self._filling = False
        self.refresh()

    def _category_changed(self, word: str) -> None:
        if self._filling:
            return
        row = self._row_of(self.category_table, word)
        domain = self.category_table.cellWidget(row, 2).currentData()
        kind = self.category_table.cellWidget(row, 3).currentData()
        categories = dict(self.mapping.categories)
        categories[word] = CategoryChoice(Domain(domain), Kind(kind) if kind else None) if domain else None
        self.mapping = CsvMapping(self.mapping.columns, categories, self.mapping.kinds)
        self.refresh()

    def _kind_changed(self, word: str) -> None:
        if self._filling:
            return
        value = self.kind_table.cellWidget(self._row_of(self.kind_table, word), 2).currentData()
        kinds = dict(self.mapping.kinds)
        kinds[word] = Kind(value) if value else None
        self.mapping = CsvMapping(self.mapping.columns, self.mapping.categories, kinds)
        self.refresh()

    # For tests and keyboard users: choose by the words shown on screen.
    def set_column(self, field_name: str, heading: str | None) -> None:
        combo = self.column_combos[field_name]
        combo.setCurrentIndex(combo.findData(heading) if heading else 0)

    def set_category(self, word: str, domain: Domain, kind: Kind | None = None) -> None:
        row = self._row_of(self.category_table, word)
        self.category_table.cellWidget(row, 3).setCurrentIndex(
            self.category_table.cellWidget(row, 3).findData(kind.value if kind else None)
        )
        combo = self.category_table.cellWidget(row, 2)
        combo.setCurrentIndex(combo.findData(domain.value))

    # --- checking and importing ---------------------------------------------------------------

    def refresh(self) -> None:
        """Check every row against the current mapping and show the preview and problems."""
        self.plan = None
        if self.table is not None:
            with reporting_errors(self):
                self.plan = csv_import.plan_import(self.ctx.session, self.table, self.mapping)
        self._show_plan()

    def problems(self) -> list[str]:
        return [self.problem_list.item(i).text() for i in range(self.problem_list.count())]

    def _show_plan(self) -> None:
        plan = self.plan
        rows = plan.rows[:PREVIEW_ROWS] if plan else ()
        self.preview.setRowCount(len(rows))
        problem_rows = {p.row for p in plan.problems} if plan else set()
        for r, planned in enumerate(rows):
            values = [str(planned.row)] + [planned.shown.get(f, "") for f in PREVIEW_FIELDS]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if planned.row in problem_rows:
                    item.setToolTip("This row has a problem: see the list below.")
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.preview.setItem(r, c, item)
        self.preview.resizeColumnsToContents()
        self.problem_list.clear()
        if plan:
            self.problem_list.addItems([str(p) for p in plan.problems])
        manager = self.ctx.is_unlocked and self.ctx.user.is_manager
        ready = bool(plan and plan.ready)
        self.import_button.setEnabled(ready and manager)
        self.save_mapping_button.setEnabled(self.table is not None)
        self.check_button.setEnabled(self.table is not None)
        if plan is None:
            self.import_button.setText("&Import")
            self.status.setText("Choose a spreadsheet to begin.")
        elif ready:
            self.import_button.setText(f"&Import {len(plan.entries)} entries")
            self.status.setText(
                f"All {len(plan.entries)} rows are ready to import."
                if manager
                else "All rows are ready, but only a manager can import a spreadsheet."
            )
        else:
            self.import_button.setText("&Import")
            count = len(plan.problems)
            self.status.setText(
                f"{count} problem{'s' if count != 1 else ''} to fix. Nothing is imported until every "
                "row is right: change the mapping here, or fix the spreadsheet, save it and check again."
            )

    def import_entries(self) -> BackgroundTask | None:
        """Import every row (the button is only enabled when there are no problems), on a worker
        thread with its own connection: thousands of rows take seconds. All or nothing, as before;
        ``imported`` is emitted when they are saved."""
        if self.table is None or self.importing:
            return None
        table, mapping = self.table, self.mapping
        with reporting_errors(self, "Nothing was imported"):
            task = run_with_session(
                self.ctx,
                lambda session: csv_import.import_entries(session, table, mapping),
                self._imported,
                self._import_failed,
            )
            self._set_importing(True)
            return task
        return None

    @property
    def importing(self) -> bool:
        return self.progress.isVisibleTo(self)

    def _set_importing(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for button in (self.import_button, self.check_button):
            button.setEnabled(not busy)
        if busy:
            self.status.setText("Importing… every row is saved together, or none.")

    def _imported(self, result) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_importing(False)
        self.plan = None
        self.import_button.setEnabled(False)
        self.status.setText(
            f"Imported {result.entries} entries for {result.families} families "
            f"({result.first_date:%d/%m/%Y} to {result.last_date:%d/%m/%Y})."
        )
        self.ctx.data_changed.emit("entries")
        self.imported.emit(result.entries)

    def _import_failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_importing(False)
        if isinstance(error, AppError):
            show_app_error(self, error, "Nothing was imported")
            self.refresh()
        else:
            report_error(error)
