"""Records → Self-evaluation: the yearly integration self-evaluation.

Left, the questionnaire: one row per ingredient with its question, a rating chooser in words (each
choice says what that rating looks like) and an evidence box; the date; Save (managers only:
practitioners see the form read-only). Right, the history, newest first; the chosen evaluation's
ratings, change since the one before and notes; and "Save as PDF…" for the one-page summary.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.self_evaluation import (
    INGREDIENTS,
    MAX_EVIDENCE_LENGTH,
    SCALE,
    SelfEvaluation,
    rating_text,
)
from setting_app.services import self_evaluation

from setting_app.ui.context import AppContext
from setting_app.ui.errors import reporting_errors
from setting_app.ui.formatting import uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label
from setting_app.ui.widgets.list_view import ListView

AnyIndex = QModelIndex | QPersistentModelIndex
EVALUATION_ROLE = Qt.ItemDataRole.UserRole + 1


def _choose_pdf(parent: QWidget, suggested: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        parent, "Save the self-evaluation as a PDF", suggested, "PDF (*.pdf)"
    )
    return Path(name) if name else None


class SelfEvaluationHistoryModel(QAbstractTableModel):
    """Every evaluation, newest first: the date, who, and the six ratings."""

    HEADERS = ("Completed", "By", *(f"{i + 1}" for i in range(len(INGREDIENTS))))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SelfEvaluation] = []

    def set_rows(self, rows: list[SelfEvaluation]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section >= 2:
            return INGREDIENTS[section - 2].title
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        evaluation = self.rows[index.row()]
        column = index.column()
        if role == EVALUATION_ROLE:
            return evaluation
        by = evaluation.by_ingredient()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return uk_date(evaluation.completed_on)
            if column == 1:
                return evaluation.completed_by
            rating = by.get(INGREDIENTS[column - 2].code)
            return str(rating.rating) if rating else ""
        if role == Qt.ItemDataRole.ToolTipRole and column >= 2:
            rating = by.get(INGREDIENTS[column - 2].code)
            return f"{INGREDIENTS[column - 2].title}: {rating_text(rating.rating)}" if rating else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class IngredientRow:
    """One ingredient's widgets: the question, the rating chooser and the evidence box."""

    def __init__(self, number: int, spec) -> None:
        self.spec = spec
        self.box = QGroupBox(f"{number}. {spec.title}")
        self.box.setAccessibleName(spec.title)
        question = QLabel(spec.question)
        question.setWordWrap(True)
        self.rating = QComboBox()
        self.rating.setAccessibleName(f"Rating: {spec.title}")
        self.rating.addItem("Choose a rating…", None)
        for value, words in SCALE.items():
            self.rating.addItem(f"{value} {words}", value)
            self.rating.setItemData(value, spec.looks_like[value - 1], Qt.ItemDataRole.ToolTipRole)
        self.looks_like = QLabel("")
        self.looks_like.setWordWrap(True)
        self.looks_like.setStyleSheet("color: #404040;")
        self.evidence = QPlainTextEdit()
        self.evidence.setAccessibleName(f"Evidence: {spec.title}")
        self.evidence.setPlaceholderText(
            f"Optional, up to {MAX_EVIDENCE_LENGTH} characters: what shows this rating?"
        )
        self.evidence.setTabChangesFocus(True)
        self.evidence.setFixedHeight(self.evidence.fontMetrics().lineSpacing() * 3 + 14)
        self.form = QFormLayout(self.box)
        self.form.addRow(question)
        self.rating.currentIndexChanged.connect(self._show_looks_like)

    def _show_looks_like(self) -> None:
        value = self.rating.currentData()
        self.looks_like.setText(f"Looks like: {self.spec.looks_like[value - 1]}" if value else "")

    def value(self) -> int | None:
        return self.rating.currentData()

    def set_value(self, value: int | None) -> None:
        self.rating.setCurrentIndex(value or 0)

    def set_editable(self, editable: bool) -> None:
        self.rating.setEnabled(editable)
        self.evidence.setReadOnly(not editable)


class SelfEvaluationTab(QWidget):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        choose_pdf: Callable[[QWidget, str], Path | None] = _choose_pdf,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._choose_pdf = choose_pdf
        self.errors = FieldErrors(error_label(self))

        intro = QLabel(
            "How joined-up is the support around this setting? Rate each ingredient from 1 (not in place) "
            "to 4 (embedded), once a year or whenever things change. The ratings go to the local authority "
            "in the setting's return; the evidence notes stay here."
        )
        intro.setWordWrap(True)

        # --- the questionnaire
        self.rows: list[IngredientRow] = []
        questions = QWidget()
        column = QVBoxLayout(questions)
        for number, spec in enumerate(INGREDIENTS, start=1):
            row = IngredientRow(number, spec)
            self.errors.add_row(row.form, "Rating", row.rating, spec.code, title=spec.title)
            row.form.addRow("", row.looks_like)
            self.errors.add_row(
                row.form, "Evidence", row.evidence, f"{spec.code} evidence", title=f"{spec.title} evidence"
            )
            column.addWidget(row.box)
            self.rows.append(row)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(questions)
        self.scroll.setAccessibleName("Self-evaluation questions")

        self.completed_on = DateField("date")
        self.completed_on.setAccessibleName("Completed on")
        date_form = QFormLayout()
        self.errors.add_row(date_form, "Completed &on", self.completed_on, "date")
        self.save_button = QPushButton("&Save self-evaluation")
        self.save_button.setAccessibleName("Save the self-evaluation")
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton("C&lear form")
        self.clear_button.clicked.connect(self.clear_form)
        self.who_note = QLabel("")
        self.who_note.setWordWrap(True)
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it shows file paths: never as HTML
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Self-evaluation status")
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.scroll, 1)
        left_layout.addLayout(date_form)
        left_layout.addWidget(self.errors.general)
        left_layout.addWidget(self.who_note)
        left_layout.addLayout(buttons)

        # --- the history
        self.model = SelfEvaluationHistoryModel(self)
        self.history = ListView()
        self.history.setModel(self.model)
        self.history.setAccessibleName("Earlier self-evaluations")
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().hide()
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.details = QTextBrowser()
        self.details.setAccessibleName("The chosen self-evaluation")
        self.details.setOpenLinks(False)
        self.pdf_button = QPushButton("Save as &PDF…")
        self.pdf_button.setAccessibleName("Save the chosen self-evaluation as a PDF")
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        history_label = QLabel("&History (newest first)")
        history_label.setBuddy(self.history)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(history_label)
        right_layout.addWidget(self.history, 1)
        right_layout.addWidget(self.details, 2)
        pdf_row = QHBoxLayout()
        pdf_row.addStretch(1)
        pdf_row.addWidget(self.pdf_button)
        right_layout.addLayout(pdf_row)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        ctx.locked_changed.connect(self._on_locked_changed)
        self.refresh()

    # --- state -------------------------------------------------------------------------------------

    @property
    def is_manager(self) -> bool:
        return self.ctx.is_unlocked and self.ctx.user.is_manager

    def refresh(self) -> None:
        if not self.ctx.is_unlocked:
            return
        manager = self.is_manager
        for row in self.rows:
            row.set_editable(manager)
        self.completed_on.setReadOnly(not manager)
        self.save_button.setEnabled(manager)
        self.clear_button.setEnabled(manager)
        self.who_note.setText(
            ""
            if manager
            else "Only a manager can complete the self-evaluation. You can read the history and save it as a PDF."
        )
        if not self.completed_on.text().strip():
            self.completed_on.set_date(self.ctx.clock.today())
        chosen = self.selected()
        self.model.set_rows(self_evaluation.list_evaluations(self.ctx.session))
        self.select_evaluation(chosen.id if chosen else None)

    def selected(self) -> SelfEvaluation | None:
        rows = self.history.selectionModel().selectedRows()
        return self.model.data(rows[0], EVALUATION_ROLE) if rows else None

    def select_evaluation(self, evaluation_id: int | None) -> None:
        """Choose an evaluation in the history (the newest when ``evaluation_id`` is None or gone)."""
        target = 0
        for number, evaluation in enumerate(self.model.rows):
            if evaluation.id == evaluation_id:
                target = number
                break
        if self.model.rows:
            self.history.selectRow(target)
        self._show_selected()

    def clear_form(self) -> None:
        self.errors.clear()
        for row in self.rows:
            row.set_value(None)
            row.evidence.clear()
        self.completed_on.set_date(self.ctx.clock.today())

    # --- saving ----------------------------------------------------------------------------------------

    def form_values(self) -> tuple[dict[str, int | None], dict[str, str]]:
        ratings = {row.spec.code: row.value() for row in self.rows}
        evidence = {row.spec.code: row.evidence.toPlainText() for row in self.rows}
        return ratings, evidence

    def save(self) -> SelfEvaluation | None:
        """Check and save the form; a problem is shown beside its field and nothing typed is lost."""
        self.errors.clear()
        ratings, evidence = self.form_values()
        try:
            day = self.completed_on.date()
            saved = self_evaluation.record(self.ctx.session, ratings, evidence, completed_on=day)
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return None
        except AppError as exc:
            self.errors.show_general(exc.message)
            return None
        self.status.setText(
            f"Saved the self-evaluation of {uk_date(saved.completed_on)}. Its ratings go with the next "
            "local authority return."
        )
        self.ctx.data_changed.emit("self_evaluation")
        self.clear_form()
        self.model.set_rows(self_evaluation.list_evaluations(self.ctx.session))
        self.select_evaluation(saved.id)
        return saved

    # --- the chosen evaluation ---------------------------------------------------------------------------

    def _show_selected(self) -> None:
        evaluation = self.selected()
        self.pdf_button.setEnabled(evaluation is not None)
        if evaluation is None:
            self.details.setHtml(
                "<p>No self-evaluation has been saved yet.</p>" if self.ctx.is_unlocked else ""
            )
            return
        compared = self_evaluation.comparison(self.ctx.session, evaluation)
        before = compared.previous
        parts = [
            f"<h3>Self-evaluation of {uk_date(evaluation.completed_on)}</h3>",
            f"<p>By {html.escape(evaluation.completed_by or 'unknown')}. "
            + (
                f"Compared with {uk_date(before.completed_on)}.</p>"
                if before
                else "The first evaluation.</p>"
            ),
            "<table cellpadding='3'><tr><th align='left'>Ingredient</th><th align='left'>Rating</th>"
            "<th align='left'>Change</th></tr>",
        ]
        for row in compared.rows:
            parts.append(
                f"<tr><td>{html.escape(row.spec.title)}</td><td>{rating_text(row.rating)}</td>"
                f"<td>{html.escape(row.change)}</td></tr>"
            )
        parts.append("</table>")
        noted = [row for row in compared.rows if row.evidence]
        if noted:
            parts.append("<h4>Evidence</h4>")
            parts += [
                f"<p><b>{html.escape(row.spec.title)}.</b> {html.escape(row.evidence)}</p>" for row in noted
            ]
        self.details.setHtml("".join(parts))

    def save_pdf_to(self, target: Path) -> int | None:
        evaluation = self.selected()
        if evaluation is None:
            return None
        with reporting_errors(self):
            pages = self_evaluation.save_pdf(self.ctx.session, evaluation, target)
            self.status.setText(
                f"Saved the self-evaluation of {uk_date(evaluation.completed_on)} to {target}."
            )
            return pages
        return None

    def _on_pdf_clicked(self) -> None:
        evaluation = self.selected()
        if evaluation is None:
            return
        target = self._choose_pdf(self, f"self-evaluation-{evaluation.completed_on.isoformat()}.pdf")
        if target is not None:
            self.save_pdf_to(target)

    def _on_locked_changed(self, locked: bool) -> None:
        # The history is read again after unlocking. What was typed stays, as on every other screen
        # (the lock page covers it meanwhile), so an auto-lock never loses a half-filled form.
        if locked:
            self.model.set_rows([])
            self.details.clear()
        else:
            self.refresh()
