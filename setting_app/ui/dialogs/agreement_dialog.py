"""Add or change a data-sharing agreement (managers): its parties, what may flow and on what basis, dates.

Problems are shown beside the field they name; nothing is saved until every rule is met.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.agreements import (
    Agreement,
    AgreementParty,
    Direction,
    NewAgreement,
    PartyType,
    SpecialCategoryCondition,
)
from setting_app.domain.codes import ServiceCategory
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import LawfulBasis
from setting_app.services import agreements

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.referral_dialog import combo_code
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


def _multi_line(name: str, lines: int = 2) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for label, value in items:
        combo.addItem(label, value)
    return combo


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(None if value is None else str(value))
    combo.setCurrentIndex(max(index, 0))


class AgreementDialog(QDialog):
    def __init__(
        self, ctx: AppContext, agreement: Agreement | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.agreement = agreement
        self.saved: Agreement | None = None
        self.parties: list[AgreementParty] = list(agreement.parties) if agreement else []
        self.setWindowTitle(
            f"Change agreement #{agreement.id}" if agreement else "Add a data-sharing agreement"
        )
        self.setAccessibleName(self.windowTitle())
        self._build()
        if agreement is not None:
            self._fill(agreement)
        else:
            self.starts_on.set_date(ctx.clock.today())
        self._show_parties()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.errors = FieldErrors(error_label(self))
        nation = self.ctx.nation
        form = QFormLayout()

        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.errors.add_row(form, "&Title", self.title, "title")

        self.party_list = QListWidget()
        self.party_list.setAccessibleName("Parties to the agreement")
        self.party_list.setMaximumHeight(self.party_list.fontMetrics().lineSpacing() * 5 + 12)
        self.party_name = QLineEdit()
        self.party_name.setAccessibleName("Party name")
        self.party_name.setPlaceholderText("Name of the organisation")
        self.party_type = _combo("Party type", [(t.label, t.value) for t in PartyType])
        self.party_category = _combo(
            "Referrals this party receives",
            [("(no referral category)", None)] + [(c.label_for(nation), c.value) for c in ServiceCategory],
        )
        self.party_contact = QLineEdit()
        self.party_contact.setAccessibleName("Party contact")
        self.party_contact.setPlaceholderText("Contact (optional)")
        self.add_party_button = QPushButton("Add &party")
        self.add_party_button.clicked.connect(self.add_party)
        self.remove_party_button = QPushButton("Remo&ve party")
        self.remove_party_button.clicked.connect(self.remove_party)
        party_box = QWidget()
        party_layout = QVBoxLayout(party_box)
        party_layout.setContentsMargins(0, 0, 0, 0)
        party_layout.addWidget(self.party_list)
        line = QHBoxLayout()
        line.addWidget(self.party_name, 2)
        line.addWidget(self.party_type, 1)
        party_layout.addLayout(line)
        line = QHBoxLayout()
        line.addWidget(self.party_category, 1)
        line.addWidget(self.party_contact, 1)
        party_layout.addLayout(line)
        line = QHBoxLayout()
        line.addWidget(self.add_party_button)
        line.addWidget(self.remove_party_button)
        line.addStretch(1)
        party_layout.addLayout(line)
        self.errors.add_row(form, "P&arties", self.party_list, ("parties", "party"), shown=party_box)

        self.purpose = _multi_line("Purpose")
        self.errors.add_row(form, "P&urpose", self.purpose, "purpose")
        self.data_items = _multi_line("What data may flow")
        self.errors.add_row(form, "&What data may flow", self.data_items, "data items")
        self.direction = _combo("Direction", [(d.label, d.value) for d in Direction])
        self.errors.add_row(form, "D&irection", self.direction, "direction")
        self.lawful_basis = _combo(
            "Lawful basis (UK GDPR article 6)",
            [("(choose the basis)", None)] + [(b.label, b.value) for b in LawfulBasis],
        )
        self.errors.add_row(form, "&Lawful basis (article 6)", self.lawful_basis, "lawful basis")
        self.condition = _combo(
            "Special category condition (UK GDPR article 9)",
            [("(none: no special-category data)", None)]
            + [(c.label, c.value) for c in SpecialCategoryCondition],
        )
        self.errors.add_row(
            form, "Special &category (article 9)", self.condition, "special category condition"
        )
        self.retention = _multi_line("Retention")
        self.errors.add_row(form, "&Retention", self.retention, "retention")
        self.security = _multi_line("Security measures")
        self.errors.add_row(form, "&Security measures", self.security, "security measures")
        self.starts_on = DateField("start date")
        self.starts_on.setAccessibleName("Start date")
        self.errors.add_row(form, "S&tarts", self.starts_on, "start date")
        self.review_on = DateField("review date")
        self.review_on.setAccessibleName("Review date")
        self.errors.add_row(form, "Revie&w by", self.review_on, "review date")
        self.ends_on = DateField("end date", optional=True)
        self.ends_on.setAccessibleName("End date")
        self.errors.add_row(form, "&Ends", self.ends_on, "end date")
        self.notes = _multi_line("Notes")
        self.errors.add_row(form, "&Notes", self.notes, "notes")

        holder = QWidget()
        holder.setLayout(form)
        scroll = QScrollArea()
        scroll.setAccessibleName("Agreement details")
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(720, 720)

    def _fill(self, a: Agreement) -> None:
        self.title.setText(a.title)
        self.purpose.setPlainText(a.purpose)
        self.data_items.setPlainText(a.data_items)
        _select(self.direction, a.direction)
        _select(self.lawful_basis, a.lawful_basis)
        _select(self.condition, a.special_category_condition)
        self.retention.setPlainText(a.retention)
        self.security.setPlainText(a.security_measures)
        self.starts_on.set_date(a.starts_on)
        self.review_on.set_date(a.review_on)
        self.ends_on.set_date(a.ends_on)
        self.notes.setPlainText(a.notes)

    # -- parties -------------------------------------------------------------------------------

    def _show_parties(self) -> None:
        self.party_list.clear()
        nation = self.ctx.nation
        for party in self.parties:
            category = (
                f", receives {ServiceCategory(party.service_category).label_for(nation).lower()} referrals"
                if party.service_category
                else ""
            )
            self.party_list.addItem(
                QListWidgetItem(f"{party.name} ({PartyType(party.party_type).label}{category})")
            )
        self.remove_party_button.setEnabled(bool(self.parties))

    def add_party(self) -> bool:
        self.errors.clear()
        name = self.party_name.text().strip()
        if not name:
            self.errors.show("parties", "type the party's name, then Add party", focus=False)
            self.party_name.setFocus()
            return False
        if any(p.name.lower() == name.lower() for p in self.parties):
            self.errors.show("parties", f"{name} is already a party", focus=False)
            return False
        self.parties.append(
            AgreementParty(
                name=name,
                party_type=combo_code(self.party_type, PartyType),
                service_category=combo_code(self.party_category, ServiceCategory),
                contact=self.party_contact.text().strip(),
            )
        )
        self.party_name.clear()
        self.party_contact.clear()
        self.party_category.setCurrentIndex(0)
        self._show_parties()
        self.party_name.setFocus()
        return True

    def remove_party(self) -> None:
        row = self.party_list.currentRow()
        if 0 <= row < len(self.parties):
            del self.parties[row]
            self._show_parties()

    # -- saving --------------------------------------------------------------------------------

    def agreement_typed(self) -> NewAgreement:
        """What the form says (dates read here may raise ValidationError naming the field)."""
        if self.lawful_basis.currentData() is None:
            raise ValidationError("lawful basis", "choose the basis the sharing relies on")
        return NewAgreement(
            title=self.title.text(),
            parties=tuple(self.parties),
            purpose=self.purpose.toPlainText(),
            data_items=self.data_items.toPlainText(),
            direction=combo_code(self.direction, Direction),
            lawful_basis=combo_code(self.lawful_basis, LawfulBasis),
            special_category_condition=combo_code(self.condition, SpecialCategoryCondition),
            retention=self.retention.toPlainText(),
            security_measures=self.security.toPlainText(),
            starts_on=self.starts_on.date(),
            review_on=self.review_on.date(),
            ends_on=self.ends_on.date(),
            notes=self.notes.toPlainText(),
        )

    def save(self) -> bool:
        self.errors.clear()
        try:
            typed = self.agreement_typed()
            if self.agreement is None:
                self.saved = agreements.add_agreement(self.ctx.session, typed)
            else:
                self.saved = agreements.update_agreement(self.ctx.session, self.agreement.id, typed)
        except ValidationError as exc:
            if not exc.field.lower().startswith("party") or exc.field.lower() == "parties":
                self.errors.show(exc.field, exc.problem)
            else:
                self.errors.show_general(f"{exc.field}: {exc.problem}")
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("agreements")
        self.accept()
        return True
