"""Make a referral, or change what a referral says (its status changes in the status dialog).

A new referral is saved as a draft, or straight away as sent when consent is recorded (or a manager
overrides it). Choosing a service from the directory fills in its category and usual domain; a name
not in the directory is added to it. Only the consent details that fit the consent chosen are shown.
Problems appear in red beside their field; nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Consent, Domain, ReferralStatus, ServiceCategory
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import (
    CATEGORY_USUAL_DOMAIN,
    OVERRIDE_BASES,
    LawfulBasis,
    NewTrackedReferral,
    Route,
    TrackedReferral,
    Urgency,
)
from setting_app.services import families, service_directory
from setting_app.services import referrals as referral_service

from setting_app.ui.context import AppContext
from setting_app.ui.widgets.date_field import DateField
from setting_app.ui.widgets.family_picker import FamilyPicker
from setting_app.ui.widgets.field_errors import FieldErrors, error_label, plain_message

E = TypeVar("E", bound=StrEnum)

CONSENT_LABELS = {
    Consent.GIVEN: "Given by the family",
    Consent.NOT_GIVEN: "Not (yet) given",
    Consent.NOT_NEEDED: "Not needed",
    Consent.OVERRIDDEN: "Overridden by a manager",
}


def combo_code(combo: QComboBox, enum: type[E], index: int | None = None) -> E | None:
    """The code held by a combo box item, as its enum (Qt hands a ``StrEnum`` back as a plain str)."""
    value = combo.currentData() if index is None else combo.itemData(index)
    return None if value is None or value == "" else enum(value)


def ask_no_agreement_reason(parent: QWidget, problem: str) -> str | None:
    """Ask why a referral is sent with no data-sharing agreement covering it; None if cancelled."""
    text, ok = QInputDialog.getMultiLineText(
        parent,
        "No data-sharing agreement",
        f"{problem}.\n\nWhy share without one? Your answer is kept in the information-sharing record.",
    )
    return text if ok and text.strip() else None


def _multi_line(name: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


class ReferralDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        referral: TrackedReferral | None = None,
        family_id: int | None = None,
        parent: QWidget | None = None,
        *,
        ask_reason: Callable[[QWidget, str], str | None] = ask_no_agreement_reason,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._ask_reason = ask_reason
        self.referral = referral
        #: The referral as saved, once saved.
        self.saved: TrackedReferral | None = None
        self._loaded_family: int | None = None
        self.setWindowTitle("Edit referral" if referral else "New referral")
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        self._fill_services()
        if referral is not None:
            self._load(referral)
        elif family_id is not None:
            self.family.set_family(family_id)
            self._on_family_changed(family_id)
        self._on_consent_changed()

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.errors = FieldErrors(error_label(self))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def row(
            label: str, widget: QWidget, names: str | tuple[str, ...], target: QFormLayout = form
        ) -> None:
            self.errors.add_row(target, label, widget, names)

        self.family = FamilyPicker(self.ctx)
        self.family.family_changed.connect(self._on_family_changed)
        row("&Family", self.family, "family")
        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        row("C&hild", self.child, "child")
        # Which carer it concerns: family documents are made for one person (issue 16).
        self.carer = QComboBox()
        self.carer.setAccessibleName("Which carer it is about")
        row("Ca&rer", self.carer, "carer")

        self.service = QComboBox()
        self.service.setEditable(True)
        self.service.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.service.setAccessibleName("Service")
        self.service.lineEdit().setPlaceholderText("Choose from the directory or type a new service")
        self.service.activated.connect(self._on_service_chosen)
        row("&Service", self.service, "service")

        self.category = QComboBox()
        self.category.setAccessibleName("Category of service")
        for category in ServiceCategory:
            self.category.addItem(category.label_for(self.ctx.nation), category)
        self.category.activated.connect(self._on_category_chosen)
        row("Ca&tegory", self.category, "category")

        self.domain = QComboBox()
        self.domain.setAccessibleName("Need domain")
        for domain in DOMAIN_ORDER:
            self.domain.addItem(domain.label(self.ctx.nation), domain)
        row("&Domain", self.domain, "domain")

        self.route = QComboBox()
        self.route.setAccessibleName("Route")
        for route in Route:
            self.route.addItem(route.label, route)
        self.route.currentIndexChanged.connect(self._on_consent_changed)
        row("&Route", self.route, "route")

        self.urgency = QComboBox()
        self.urgency.setAccessibleName("Urgency")
        for urgency in Urgency:
            self.urgency.addItem(urgency.label, urgency)
        row("&Urgency", self.urgency, "urgency")

        self.reason = _multi_line("Reason for the referral", 2)
        row("Reaso&n", self.reason, "reason for referral")

        self.made_on = DateField("date made")
        self.made_on.set_date(self.ctx.clock.today())
        row("Date &made", self.made_on, "date made")
        self.expected = DateField("expected response date", optional=True, relative_to=self.made_on.date)
        self.expected.setAccessibleName("Expected response date")
        row("E&xpected response", self.expected, "expected response date")

        # Consent: only the details that fit the choice are shown.
        consent_box = QGroupBox("Consent to share")
        consent_form = QFormLayout(consent_box)
        self.consent = QComboBox()
        self.consent.setAccessibleName("Consent")
        for consent, label in CONSENT_LABELS.items():
            self.consent.addItem(label, consent)
        self.consent.setCurrentIndex(self.consent.findData(Consent.NOT_GIVEN))
        self.consent.currentIndexChanged.connect(self._on_consent_changed)
        row("&Consent", self.consent, "consent", consent_form)
        self.consent_hint = QLabel()
        self.consent_hint.setWordWrap(True)
        consent_form.addRow(self.consent_hint)
        self.given_by = QLineEdit()
        self.given_by.setAccessibleName("Consent given by")
        self.given_by.setPlaceholderText("Who gave consent, e.g. 'Mother, A Parent'")
        row("&Given by", self.given_by, "consent given by", consent_form)
        self.given_on = DateField("consent date", optional=True)
        self.given_on.setAccessibleName("Consent date")
        row("Given &on", self.given_on, "consent date", consent_form)
        self.scope = QLineEdit()
        self.scope.setAccessibleName("Consent scope")
        self.scope.setPlaceholderText("What may be shared, and with whom")
        row("Sc&ope", self.scope, "consent scope", consent_form)
        self.not_needed = QLineEdit()
        self.not_needed.setAccessibleName("Why consent is not needed")
        row("&Why not needed", self.not_needed, "consent note", consent_form)
        self.basis = QComboBox()
        self.basis.setAccessibleName("Lawful basis")
        self.basis.addItem("(choose)", None)
        for basis in OVERRIDE_BASES:
            self.basis.addItem(basis.label, basis)
        row("Lawful &basis", self.basis, "lawful basis", consent_form)
        self.rationale = _multi_line("Why share without consent", 2)
        row("Ration&ale", self.rationale, "override rationale", consent_form)
        self._consent_rows = {
            "given": (self.given_by, self.given_on, self.scope),
            "not_needed": (self.not_needed,),
            "basis": (self.basis,),
            "override": (self.rationale,),
        }

        self.note = _multi_line("Note", 3)
        note_form = QFormLayout()
        note_holder = QWidget()
        note_box = QVBoxLayout(note_holder)
        note_box.setContentsMargins(0, 0, 0, 0)
        note_box.addWidget(self.note)
        note_problem = error_label(note_holder)
        note_box.addWidget(note_problem)
        self.errors.add("note", self.note, note_problem)
        note_caption = QLabel("No&te")
        note_caption.setBuddy(self.note)
        note_form.addRow(note_caption, note_holder)

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        if self.referral is None:
            self.draft_button = QPushButton("Save as &draft")
            self.draft_button.clicked.connect(lambda: self.save(send=False))
            self.send_button = QPushButton("Save and mark &sent")
            self.send_button.clicked.connect(lambda: self.save(send=True))
            self.send_button.setDefault(True)
            buttons.addWidget(self.draft_button)
            buttons.addWidget(self.send_button)
        else:
            self.save_button = QPushButton("&Save")
            self.save_button.clicked.connect(lambda: self.save(send=False))
            self.save_button.setDefault(True)
            buttons.addWidget(self.save_button)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        columns.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(consent_box)
        right.addLayout(note_form)
        right.addStretch(1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addLayout(buttons)
        self.resize(980, 460)

    def _fill_services(self) -> None:
        self.service.clear()
        self.service.addItem("", None)
        for service in service_directory.list_services(self.ctx.session, active_only=True):
            self.service.addItem(service.display_name, service)
        self.service.setCurrentIndex(0)

    # -- reacting -----------------------------------------------------------------------------

    def _on_family_changed(self, family_id: int | None) -> None:
        if family_id == self._loaded_family:
            return
        self._loaded_family = family_id
        self.child.clear()
        self.child.addItem("No particular child", None)
        self.carer.clear()
        self.carer.addItem("Not about one carer", "")
        if family_id is None:
            return
        for child in families.list_children(self.ctx.session, family_id):
            self.child.addItem(child.name, child.id)
        for carer in families.get_family(self.ctx.session, family_id).carers:
            self.carer.addItem(carer.name, carer.name)

    def _on_service_chosen(self, index: int) -> None:
        service = self.service.itemData(index)
        if service is None:
            return
        self.category.setCurrentIndex(self.category.findData(service.category))
        if service.domain is not None:
            self.domain.setCurrentIndex(self.domain.findData(service.domain))
        if not self.scope.text().strip():
            self.scope.setText(
                f"The family's details and the reason for referral, shared with {service.name}"
            )

    def _on_category_chosen(self, index: int) -> None:
        usual = CATEGORY_USUAL_DOMAIN.get(combo_code(self.category, ServiceCategory, index))
        if usual is not None and self.referral is None:
            self.domain.setCurrentIndex(self.domain.findData(usual))

    def _on_consent_changed(self, *_args: object) -> None:
        consent = combo_code(self.consent, Consent)
        shown = {
            "given": consent is Consent.GIVEN,
            "not_needed": consent is Consent.NOT_NEEDED,
            "basis": consent in (Consent.OVERRIDDEN, Consent.NOT_NEEDED),
            "override": consent is Consent.OVERRIDDEN,
        }
        for key, widgets in self._consent_rows.items():
            for widget in widgets:
                holder = widget.parentWidget()
                form = holder.parentWidget().layout()
                if isinstance(form, QFormLayout):
                    form.setRowVisible(holder, shown[key])
        if consent is Consent.GIVEN and not self.given_on.text().strip():
            self.given_on.setText(self.made_on.text())
        route = combo_code(self.route, Route)
        hints = []
        if route is not Route.REFERRED:
            hints.append(
                "The family contacts the service themselves, so no consent is needed to record it as sent."
            )
        elif consent is Consent.NOT_GIVEN:
            hints.append("It can be saved as a draft; it cannot be sent until consent is recorded.")
        if consent is Consent.OVERRIDDEN:
            if self.ctx.user.is_manager:
                hints.append("Record the lawful basis and why the family's consent is not being sought.")
            else:
                hints.append("Only a manager can override consent.")
        self.consent_hint.setText(" ".join(hints))
        self.consent_hint.setVisible(bool(hints))

    # -- loading and saving ---------------------------------------------------------------------

    def _load(self, r: TrackedReferral) -> None:
        self.family.set_family(r.family_id)
        self.family.setEnabled(False)
        self._on_family_changed(r.family_id)
        self.child.setCurrentIndex(max(0, self.child.findData(r.child_id)))
        self.carer.setCurrentIndex(max(0, self.carer.findData(r.carer)))
        index = next(
            (
                i
                for i in range(self.service.count())
                if (s := self.service.itemData(i)) and s.id == r.service_id
            ),
            -1,
        )
        if index >= 0:
            self.service.setCurrentIndex(index)
        else:
            self.service.setEditText(r.service_name)
        self.category.setCurrentIndex(self.category.findData(r.service_category))
        self.domain.setCurrentIndex(self.domain.findData(r.domain))
        self.route.setCurrentIndex(self.route.findData(r.route))
        self.urgency.setCurrentIndex(self.urgency.findData(r.urgency))
        self.reason.setPlainText(r.reason)
        self.made_on.set_date(r.made_on)
        self.expected.set_date(r.expected_response_on)
        self.consent.setCurrentIndex(self.consent.findData(r.consent))
        self.given_by.setText(r.consent_given_by)
        self.given_on.set_date(r.consent_given_on)
        self.scope.setText(r.consent_scope)
        self.not_needed.setText(r.consent_note)
        self.basis.setCurrentIndex(max(0, self.basis.findData(r.lawful_basis)))
        self.rationale.setPlainText(r.override_rationale)
        self.note.setPlainText(r.note)

    def _chosen_service(self):
        """The directory entry chosen, or None when a new name was typed."""
        index = self.service.currentIndex()
        service = self.service.itemData(index) if index >= 0 else None
        if service is not None and self.service.currentText() == self.service.itemText(index):
            return service
        return None

    def collect(self, *, send: bool) -> NewTrackedReferral:
        """The form as a referral; raises ValidationError naming the field for what cannot be read."""
        if not self.family.choose_single_match() or self.family.family_id is None:
            raise ValidationError("family", "choose the family this referral is for")
        service = self._chosen_service()
        name = service.name if service is not None else self.service.currentText().strip()
        if not name:
            raise ValidationError("service", "choose a service from the directory or type its name")
        basis = combo_code(self.basis, LawfulBasis)
        category = combo_code(self.category, ServiceCategory)
        domain = combo_code(self.domain, Domain)
        status = ReferralStatus.SENT if send else ReferralStatus.DRAFT
        if self.referral is not None:
            status = self.referral.status
        return NewTrackedReferral(
            family_id=self.family.family_id,
            service_name=name,
            service_category=category,
            domain=domain,
            made_on=self.made_on.date(),
            consent=combo_code(self.consent, Consent),
            status=status,
            child_id=self.child.currentData(),
            carer=self.carer.currentData() or "",
            note=self.note.toPlainText(),
            service_id=service.id if service is not None and service.category is category else None,
            route=combo_code(self.route, Route),
            urgency=combo_code(self.urgency, Urgency),
            reason=self.reason.toPlainText(),
            expected_response_on=self.expected.date(),
            consent_given_by=self.given_by.text(),
            consent_given_on=self.given_on.date(),
            consent_scope=self.scope.text(),
            consent_note=self.not_needed.text(),
            lawful_basis=basis,
            override_rationale=self.rationale.toPlainText(),
        )

    def save(self, *, send: bool = False) -> bool:
        self.errors.clear()
        try:
            referral = self.collect(send=send)
            if self.referral is None:
                self.saved = self._make(referral)
            else:
                self.saved = referral_service.update_referral(self.ctx.session, self.referral.id, referral)
        except ValidationError as exc:
            if exc.field == "agreement":
                self.errors.show_general(
                    f"Not sent: {plain_message(exc)}. Give the reason, or save it as a draft and send it "
                    "later from Change status, naming the agreement."
                )
                return False
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("referrals")
        self.accept()
        return True

    def _make(self, referral: NewTrackedReferral) -> TrackedReferral:
        """A new referral; sent with no agreement covering the service, ask why (nothing saved until then)."""
        try:
            return referral_service.make_referral(self.ctx.session, referral)
        except ValidationError as exc:
            if exc.field != "agreement":
                raise
            reason = self._ask_reason(self, plain_message(exc))
            if reason is None:
                raise
            return referral_service.make_referral(self.ctx.session, referral, no_agreement_reason=reason)

    def keyPressEvent(self, event) -> None:  # Ctrl+Enter saves (as a draft for a new referral)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.save(send=False)
            return
        super().keyPressEvent(event)
