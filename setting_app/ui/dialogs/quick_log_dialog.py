"""Quick log: one support entry in a few keystrokes, between drop-offs.

Keyboard path: type part of a reference, carer or child name, Enter (or Down, Enter) → press 1 to 4
for the domain (focus moves to the activity) → Tab through activity, minutes, contact, child, date →
type the note (Tab leaves the note) → Ctrl+Enter saves. Alt+D / Alt+I switch Direct / Indirect.

After a save the dialog stays open and clears itself for the next entry (the date is kept, and the
family too when the dialog was opened for one family); a line at the bottom confirms what was saved.
Esc closes it. A problem is shown in red beside its field; nothing typed is cleared by an error.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, ContactMode, Domain, Kind
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.models import NewEntry, SupportEntry
from setting_app.domain.validation import MAX_MINUTES, MIN_MINUTES
from setting_app.services import families, support_log

from setting_app.ui.context import AppContext
from setting_app.ui.formatting import UK_DATE_HINT, minutes_text, uk_date
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.domain_chip import domain_colour, text_colour_on
from setting_app.ui.widgets.family_picker import FamilyPicker
from setting_app.ui.widgets.field_errors import FieldErrors, error_label

DEFAULT_MINUTES = 15


def _domain_button_style(domain: Domain) -> str:
    colour = domain_colour(domain)
    tint = colour.lighter(170) if colour.lightness() < 140 else colour.lighter(130)
    return (
        "QPushButton { text-align: left; padding: 8px 12px; min-height: 2.4em; "
        f"border: 1px solid palette(mid); border-left: 10px solid {colour.name()}; border-radius: 4px; }}"
        f"QPushButton:checked {{ background-color: {tint.name()}; color: {text_colour_on(tint).name()}; "
        f"border: 3px solid {colour.darker(130).name()}; border-left: 10px solid {colour.name()}; "
        "font-weight: bold; }"
        "QPushButton:focus { outline: 2px dashed palette(highlight); }"
    )


class QuickLogDialog(QDialog):
    #: The id of an entry just saved.
    saved = Signal(int)

    def __init__(self, ctx: AppContext, family_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._home_family_id = family_id
        self._children_of: int | None = None
        self.last_saved: SupportEntry | None = None
        self.setWindowTitle("Log support")
        self.setAccessibleName("Log support")
        self.setSizeGripEnabled(True)
        self._build()
        self._connect()
        self.select_domain(None)
        self._on_family_changed(None)
        if family_id is not None:
            self.set_family(family_id)
        self.focus_first_field()

    # --- public ----------------------------------------------------------------------------------

    @property
    def family_id(self) -> int | None:
        return self.family.family_id

    @property
    def domain(self) -> Domain | None:
        button = self.domain_group.checkedButton()
        return Domain(button.property("domain_code")) if button is not None else None

    @property
    def kind(self) -> Kind:
        return Kind.INDIRECT if self.indirect.isChecked() else Kind.DIRECT

    def set_family(self, family_id: int | None) -> None:
        """Preselect a family (or none), e.g. when opened from a family page."""
        try:
            self.family.set_family(family_id)
        except AppError as exc:
            self.errors.show_general(exc.message)

    def focus_first_field(self) -> None:
        """Family first; if one is already chosen, the domain buttons."""
        if self.family.family_id is None:
            self.family.setFocus()
        else:
            (self.domain_group.checkedButton() or self.domain_buttons[DOMAIN_ORDER[0]]).setFocus()

    def select_domain(self, domain: Domain | None) -> None:
        """Check a domain's button, set the kind it usually takes and list its activities."""
        if domain is None:
            self.domain_group.setExclusive(False)
            for button in self.domain_buttons.values():
                button.setChecked(False)
            self.domain_group.setExclusive(True)
        else:
            self.domain_buttons[domain].setChecked(True)
            (self.indirect if domain.default_kind is Kind.INDIRECT else self.direct).setChecked(True)
        self._mark_checked_domain()
        self._load_activities(domain)

    def save(self) -> SupportEntry | None:
        """Check and save the entry; on a problem show it beside its field and keep everything typed."""
        self.errors.clear()
        self.status.clear()
        try:
            entry = self._entry_from_form()
            saved = support_log.log_entry(self.ctx.session, entry)
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return None
        except AppError as exc:
            self.errors.show_general(exc.message)
            return None
        self.last_saved = saved
        self.saved.emit(saved.id)
        self.ctx.data_changed.emit("entries")
        self._clear_for_next(saved)
        return saved

    # --- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        nation = self.ctx.nation if self.ctx.is_unlocked else None
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)

        general = error_label(self)
        general.setAccessibleName("Problem")
        self.errors = FieldErrors(general)

        def add_row(label_text: str, widget: QWidget, names: str | tuple[str, ...], field_row=None) -> None:
            self.errors.add_row(form, label_text, widget, names, shown=field_row)

        self.family = FamilyPicker(self.ctx)
        add_row("&Family", self.family, "family")

        domains = QWidget()
        grid = QGridLayout(domains)
        grid.setContentsMargins(0, 0, 0, 0)
        self.domain_group = QButtonGroup(self)
        self.domain_group.setExclusive(True)
        self.domain_buttons: dict[Domain, QPushButton] = {}
        for number, domain in enumerate(DOMAIN_ORDER, start=1):
            label = domain.label(nation) if nation else domain.label()
            button = QPushButton(f"&{number}  {label}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setProperty("domain_code", domain.value)
            button.setProperty("plain_label", f"{number}  {label}")
            button.setAccessibleName(f"Domain {number}: {label}")
            button.setToolTip(f"Press {number}")
            button.setStyleSheet(_domain_button_style(domain))
            self.domain_group.addButton(button, number)
            self.domain_buttons[domain] = button
            grid.addWidget(button, (number - 1) // 2, (number - 1) % 2)
        add_row("Domain (1–4)", self.domain_buttons[DOMAIN_ORDER[0]], "domain", domains)

        kinds = QWidget()
        kind_row = QHBoxLayout(kinds)
        kind_row.setContentsMargins(0, 0, 0, 0)
        # Alt+D / Alt+I switch the kind without moving the focus (see _connect), so no mnemonics here.
        self.direct = QRadioButton("Direct: given by the setting (Alt+D)")
        self.indirect = QRadioButton("Indirect: connecting to someone else (Alt+I)")
        self.direct.setAccessibleName("Kind: direct")
        self.indirect.setAccessibleName("Kind: indirect")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.direct)
        self.kind_group.addButton(self.indirect)
        self.direct.setChecked(True)
        kind_row.addWidget(self.direct)
        kind_row.addWidget(self.indirect)
        kind_row.addStretch(1)
        add_row("Kind", self.direct, "kind", kinds)

        self.activity = QComboBox()
        self.activity.setAccessibleName("Activity")
        add_row("&Activity", self.activity, "activity")

        self.minutes = QSpinBox()
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setValue(DEFAULT_MINUTES)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Time spent in minutes")
        self.minutes.setMaximumWidth(140)
        add_row("&Time spent", self.minutes, "minutes")

        self.contact = QComboBox()
        self.contact.setAccessibleName("Contact mode")
        for mode in ContactMode:
            self.contact.addItem(mode.label, mode.value)
        add_row("&Contact", self.contact, ("contact mode", "contact"))

        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        add_row("C&hild", self.child, "child")

        # Which carer it concerns: family documents are made for one person, and leave out another
        # carer's items by default (issue 16).
        self.carer = QComboBox()
        self.carer.setAccessibleName("Which carer it is about")
        add_row("Ca&rer", self.carer, "carer")

        self.entry_date = DateField("date")
        self.entry_date.setAccessibleName("Date of the support")
        self.entry_date.setAccessibleDescription("Up and Down change the day")
        self.entry_date.set_date(self.ctx.clock.today())
        add_row("Dat&e", self.entry_date, "date")

        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("What happened, what was agreed (no more than is needed)")
        self.note.setMinimumHeight(90)
        add_row("&Note", self.note, "note")

        self.follow_up = DateField("follow-up date", optional=True, relative_to=self._entry_day_or_today)
        self.follow_up.setAccessibleName("Follow-up date (optional)")
        self.follow_up.setPlaceholderText(f"optional: {UK_DATE_HINT}, or +7 for a week later")
        add_row("Follo&w up on", self.follow_up, ("follow-up date", "follow up"))

        self.restricted = QCheckBox("Restricted: safeguarding-sensitive, only managers will see it")
        self.restricted.setAccessibleName("Restricted entry")
        self.restricted.setToolTip(
            "Practitioners will not see this entry anywhere; a manager opening it records why"
        )
        add_row("Restricte&d", self.restricted, "restricted")

        outer.addWidget(general)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Last saved")
        outer.addWidget(self.status)

        buttons = QHBoxLayout()
        hint = QLabel("1–4 domain · Alt+D / Alt+I kind · Ctrl+Enter saves · Esc closes")
        hint.setAccessibleName("Keyboard keys")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save entry")
        self.save_button.setToolTip("Ctrl+Enter")
        self.close_button = QPushButton("Close")
        for button in (self.save_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)

        order = [
            self.family,
            *self.domain_buttons.values(),
            self.direct,
            self.indirect,
            self.activity,
            self.minutes,
            self.contact,
            self.child,
            self.carer,
            self.entry_date,
            self.note,
            self.follow_up,
            self.restricted,
            self.save_button,
            self.close_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.resize(640, self.sizeHint().height())

    def _connect(self) -> None:
        self.family.family_changed.connect(self._on_family_changed)
        self.family.completer().activated.connect(lambda *_: self._after_family_picked())
        self.domain_group.buttonClicked.connect(self._on_domain_clicked)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        for number, domain in enumerate(DOMAIN_ORDER, start=1):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda d=domain: self._on_domain_key(d))
        for keys, button in (("Alt+D", self.direct), ("Alt+I", self.indirect)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda b=button: b.setChecked(True))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.save)

    # --- reactions -------------------------------------------------------------------------------

    def _after_family_picked(self) -> None:
        if self.family.family_id is not None:
            (self.domain_group.checkedButton() or self.domain_buttons[DOMAIN_ORDER[0]]).setFocus()

    def _on_family_changed(self, family_id: int | None) -> None:
        self.child.clear()
        self.child.addItem("Whole family (no one child)", None)
        self.carer.clear()
        self.carer.addItem("Not about one carer", "")
        if family_id is None:
            return
        try:
            for child in families.list_children(self.ctx.session, family_id):
                self.child.addItem(child.name, child.id)
            for carer in families.get_family(self.ctx.session, family_id).carers:
                self.carer.addItem(carer.name, carer.name)
        except AppError as exc:
            self.errors.show_general(exc.message)

    def _on_domain_clicked(self, button: QAbstractButton) -> None:
        self.select_domain(Domain(button.property("domain_code")))

    def _on_domain_key(self, domain: Domain) -> None:
        self.select_domain(domain)
        self.activity.setFocus()

    def _mark_checked_domain(self) -> None:
        """The chosen domain says so in words (a tick), not only in colour."""
        for button in self.domain_buttons.values():
            text = button.property("plain_label")
            button.setText(("✓ " if button.isChecked() else "") + "&" + text)

    def _load_activities(self, domain: Domain | None) -> None:
        self.activity.clear()
        if domain is None:
            self.activity.addItem("Choose a domain first", None)
            self.activity.setEnabled(False)
            return
        self.activity.setEnabled(True)
        self.activity.addItem("Not specified", None)
        try:
            for activity in support_log.activity_types(self.ctx.session, domain):
                self.activity.addItem(activity.label, activity.code)
        except AppError as exc:
            self.errors.show_general(exc.message)

    # --- saving ----------------------------------------------------------------------------------

    def _entry_from_form(self) -> NewEntry:
        if self.family.family_id is None and not self.family.choose_single_match():
            if self.family.text().strip():
                raise ValidationError("family", "no single family matches; choose one from the list")
            raise ValidationError("family", "choose the family this support was for")
        domain = self.domain
        if domain is None:
            raise ValidationError("domain", "choose one of the four domains (press 1 to 4)")
        entry_day = self.entry_date.date()
        follow_up = self.follow_up.date()
        return NewEntry(
            family_id=self.family.family_id,
            entry_date=entry_day,
            domain=domain,
            minutes=self.minutes.value(),
            kind=self.kind,
            child_id=self.child.currentData(),
            activity_code=self.activity.currentData(),
            contact_mode=ContactMode(self.contact.currentData()),
            note=self.note.toPlainText(),
            follow_up_on=follow_up,
            restricted=self.restricted.isChecked(),
            carer=self.carer.currentData() or "",
        )

    def _entry_day_or_today(self) -> date:
        try:
            return self.entry_date.date() or self.ctx.clock.today()
        except ValidationError:
            return self.ctx.clock.today()

    def _clear_for_next(self, saved: SupportEntry) -> None:
        family_text = self.family.text()
        nation = self.ctx.nation
        follow = f", follow up {uk_date(saved.follow_up_on)}" if saved.follow_up_on else ""
        restricted = " Restricted: only managers will see it." if saved.restricted else ""
        self.status.setText(
            f"Saved: {family_text.split(' · ')[0]}, {saved.domain.label(nation)}, {saved.kind.label}, "
            f"{minutes_text(saved.minutes)} on {uk_date(saved.entry_date)}{follow}.{restricted}"
        )
        self.set_family(self._home_family_id)
        self.select_domain(None)
        self.direct.setChecked(True)
        self.minutes.setValue(DEFAULT_MINUTES)
        self.contact.setCurrentIndex(0)
        self.note.clear()
        self.follow_up.clear()
        self.restricted.setChecked(False)
        self.focus_first_field()
