"""Add or edit a family: reference, carers, postcode, home authority, key worker, dates, notes, children.

Carers and children are small tables (arrow keys move between cells, typing or F2 edits, Tab leaves
the table). A problem is shown in red under its field, the offending table row is selected, and
nothing typed is lost. Children already saved can be renamed or corrected but not removed here
(entries may name them).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain import validation
from setting_app.domain.errors import AlreadyExists, AppError, ValidationError
from setting_app.domain.models import Carer, Child, Family, NewChild, NewFamily
from setting_app.services import families, staff

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import UK_DATE_HINT, parse_optional_uk_date, uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label

_CHILD_ROLE = Qt.ItemDataRole.UserRole + 1


def _small_table(headers: list[str], accessible_name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(accessible_name)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(
        QAbstractItemView.EditTrigger.AnyKeyPressed
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.DoubleClicked
    )
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.setMinimumHeight(110)
    table.setMaximumHeight(170)
    return table


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


class FamilyDialog(QDialog):
    #: The family's id after a successful save.
    saved = Signal(int)

    def __init__(self, ctx: AppContext, family_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.family_id = family_id
        self._existing_children: dict[int, Child] = {}
        self.setWindowTitle("Edit family" if family_id else "Add family")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        if family_id is not None:
            self._load(family_id)
        else:
            self.opened.set_date(self.ctx.clock.today())
            self.add_carer_row()
        self.ref.setFocus()

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setAccessibleName("Family details")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        self.errors = FieldErrors(error_label(self))

        def add_row(text: str, widget: QWidget, names, extra: QWidget | None = None, title: str = "") -> None:
            self.errors.add_row(form, text, widget, names, shown=extra, title=title)

        self.ref = QLineEdit()
        self.ref.setAccessibleName("Family reference")
        self.ref.setPlaceholderText("Leave blank for the next free number (FAM-0001, FAM-0002...)")
        add_row("&Reference", self.ref, ("ref", "reference"), title="Reference")

        self.carers = _small_table(["Name", "Relationship", "Phone"], "Carers")
        self.add_carer = QPushButton("Add carer")
        self.remove_carer = QPushButton("Remove carer")
        self.add_carer.setAccessibleName("Add a carer row")
        self.remove_carer.setAccessibleName("Remove the selected carer")
        add_row(
            "&Carers",
            self.carers,
            ("carer name", "carers"),
            self._with_buttons(self.carers, self.add_carer, self.remove_carer),
        )

        self.postcode = QLineEdit()
        self.postcode.setAccessibleName("Postcode")
        self.postcode.setMaximumWidth(160)
        add_row("&Postcode", self.postcode, "postcode")

        self.home_la = QLineEdit()
        self.home_la.setAccessibleName("Home local authority code")
        self.home_la.setPlaceholderText("GSS code, e.g. E09000019; blank if it is this setting's")
        add_row("&Home authority", self.home_la, ("home local authority code", "home la"))

        self.key_worker = QComboBox()
        self.key_worker.setAccessibleName("Key worker")
        add_row("&Key worker", self.key_worker, ("key worker",))

        self.opened = DateField("opened date")
        self.opened.setAccessibleName(f"Date the record was opened ({UK_DATE_HINT})")
        add_row("&Opened", self.opened, ("opened date", "opened"))

        self.closed = DateField("closed date", optional=True)
        self.closed.setAccessibleName("Date the record was closed (blank while open)")
        self.closed.setPlaceholderText("blank while the family is supported")
        add_row("C&losed", self.closed, ("closed date", "closed"))

        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setAccessibleName("Notes")
        self.notes.setMinimumHeight(70)
        self.notes.setMaximumHeight(120)
        add_row("&Notes", self.notes, "notes")

        self.children = _small_table(["Name", f"Date of birth ({UK_DATE_HINT})"], "Children")
        self.add_child = QPushButton("Add child")
        self.remove_child = QPushButton("Remove child")
        self.add_child.setAccessibleName("Add a child row")
        self.remove_child.setAccessibleName("Remove the selected child (not yet saved)")
        add_row(
            "Chi&ldren",
            self.children,
            ("child name", "date of birth", "children"),
            self._with_buttons(self.children, self.add_child, self.remove_child),
        )

        outer.addWidget(self.errors.general)
        buttons = QHBoxLayout()
        hint = QLabel("Ctrl+Enter saves · Esc cancels")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.save_button = QPushButton("&Save")
        self.cancel_button = QPushButton("Cancel")
        for button in (
            self.save_button,
            self.cancel_button,
            self.add_carer,
            self.remove_carer,
            self.add_child,
            self.remove_child,
        ):
            button.setAutoDefault(False)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)

        self.add_carer.clicked.connect(lambda: self._start_editing(self.carers, self.add_carer_row()))
        self.remove_carer.clicked.connect(self._remove_carer_row)
        self.add_child.clicked.connect(lambda: self._start_editing(self.children, self.add_child_row()))
        self.remove_child.clicked.connect(self._remove_child_row)
        self.children.itemSelectionChanged.connect(self._update_remove_child)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.save)

        self._fill_key_workers()
        self._update_remove_child()
        self.resize(680, 720)

    @staticmethod
    def _with_buttons(table: QTableWidget, *buttons: QPushButton) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(table)
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        return holder

    def _fill_key_workers(self) -> None:
        self.key_worker.addItem("No key worker", None)
        try:
            for person in staff.list_users(self.ctx.session):
                if person.active:
                    self.key_worker.addItem(person.display_name, person.id)
        except AppError as exc:
            self.errors.show_general(exc.message)

    def _load(self, family_id: int) -> None:
        try:
            family = families.get_family(self.ctx.session, family_id)
            children = families.list_children(self.ctx.session, family_id)
        except AppError as exc:
            self.errors.show_general(exc.message)
            self.save_button.setEnabled(False)
            return
        self._show_family(family)
        for child in children:
            self._existing_children[child.id] = child
            self.add_child_row(child.name, uk_date(child.date_of_birth), child.id)
        self.children.clearSelection()

    def _show_family(self, family: Family) -> None:
        self.ref.setText(family.ref)
        for carer in family.carers:
            self.add_carer_row(carer.name, carer.relationship, carer.phone)
        self.postcode.setText(family.postcode)
        self.home_la.setText(family.home_la_code)
        index = self.key_worker.findData(family.key_worker_id)
        if index < 0 and family.key_worker_id is not None:  # a key worker whose account is switched off
            self.key_worker.addItem(f"Staff #{family.key_worker_id} (inactive)", family.key_worker_id)
            index = self.key_worker.count() - 1
        self.key_worker.setCurrentIndex(max(index, 0))
        self.opened.set_date(family.opened_on)
        self.closed.set_date(family.closed_on)
        self.notes.setPlainText(family.notes)

    # --- table rows ------------------------------------------------------------------------------

    def add_carer_row(self, name: str = "", relationship: str = "", phone: str = "") -> int:
        row = self.carers.rowCount()
        self.carers.insertRow(row)
        for column, text in enumerate((name, relationship, phone)):
            self.carers.setItem(row, column, QTableWidgetItem(text))
        return row

    @staticmethod
    def _start_editing(table: QTableWidget, row: int) -> None:
        table.setCurrentCell(row, 0)
        table.setFocus()
        table.editItem(table.item(row, 0))

    def _remove_carer_row(self) -> None:
        row = self.carers.currentRow()
        if row >= 0:
            self.carers.removeRow(row)

    def add_child_row(self, name: str = "", born: str = "", child_id: int | None = None) -> int:
        row = self.children.rowCount()
        self.children.insertRow(row)
        name_item = QTableWidgetItem(name)
        name_item.setData(_CHILD_ROLE, child_id)
        self.children.setItem(row, 0, name_item)
        self.children.setItem(row, 1, QTableWidgetItem(born))
        return row

    def _child_id(self, row: int) -> int | None:
        item = self.children.item(row, 0)
        return item.data(_CHILD_ROLE) if item is not None else None

    def _remove_child_row(self) -> None:
        row = self.children.currentRow()
        if row >= 0 and self._child_id(row) is None:
            self.children.removeRow(row)

    def _update_remove_child(self) -> None:
        row = self.children.currentRow()
        saved = row >= 0 and self._child_id(row) is not None
        self.remove_child.setEnabled(row >= 0 and not saved)
        self.remove_child.setToolTip(
            "A saved child cannot be removed here (entries may name them)" if saved else ""
        )

    # --- saving ----------------------------------------------------------------------------------

    def save(self) -> int | None:
        """Check everything, save, and close; on a problem say where and keep every field as typed."""
        self.errors.clear()
        try:
            family, children = self._read_form()
            family_id = self._write(family, children)
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return None
        except AlreadyExists as exc:
            message = str(exc).rstrip(".")
            self.errors.show("ref", message[:1].lower() + message[1:], focus=True)
            return None
        except AppError as exc:
            self.errors.show_general(exc.message)
            return None
        self.family_id = family_id
        self.saved.emit(family_id)
        self.ctx.data_changed.emit("families")
        self.accept()
        return family_id

    def _read_form(self) -> tuple[NewFamily, list[tuple[int | None, NewChild]]]:
        today = self.ctx.clock.today()
        carers = []
        for row in range(self.carers.rowCount()):
            name, relationship, phone = (_cell(self.carers, row, c) for c in range(3))
            if not (name or relationship or phone):
                continue
            if not name:
                self.carers.selectRow(row)
                raise ValidationError("carer name", f"is missing on row {row + 1}")
            carers.append(Carer(name, relationship, phone))
        children: list[tuple[int | None, NewChild]] = []
        for row in range(self.children.rowCount()):
            name, born = _cell(self.children, row, 0), _cell(self.children, row, 1)
            child_id = self._child_id(row)
            if not (name or born) and child_id is None:
                continue
            try:
                dob = parse_optional_uk_date(born, "date of birth")
                child = validation.check_new_child(NewChild(name, dob), today)
            except ValidationError as exc:
                self.children.selectRow(row)
                raise ValidationError(exc.field, f"{exc.problem} (child on row {row + 1})") from None
            children.append((child_id, child))
        family = NewFamily(
            ref=self.ref.text(),
            opened_on=self.opened.date() or today,
            carers=tuple(carers),
            postcode=self.postcode.text(),
            home_la_code=self.home_la.text(),
            key_worker_id=self.key_worker.currentData(),
            closed_on=self.closed.date(),
            notes=self.notes.toPlainText(),
            children=tuple(c for _, c in children),
        )
        validation.check_new_family(family, today)  # every problem found before anything is written
        return family, children

    def _write(self, family: NewFamily, children: list[tuple[int | None, NewChild]]) -> int:
        session = self.ctx.session
        if self.family_id is None:
            return families.add_family(session, family).id
        families.update_family(session, self.family_id, family)
        for child_id, child in children:
            if child_id is None:
                families.add_child(session, self.family_id, child)
                continue
            before = self._existing_children.get(child_id)
            if before is not None and (before.name, before.date_of_birth) != (
                child.name,
                child.date_of_birth,
            ):
                families.update_child(session, before, child.name, child.date_of_birth)
        return self.family_id
