"""Add a service to the directory, or change one. Imported services keep their link to the published
directory; the setting's own notes are never overwritten by a later import."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from setting_app.domain.codes import DOMAIN_ORDER, Domain, ServiceCategory
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.referrals import CATEGORY_USUAL_DOMAIN, NewService, Service
from setting_app.services import service_directory

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.referral_dialog import combo_code
from setting_app.ui.widgets.field_errors import FieldErrors, error_label


class ServiceDialog(QDialog):
    def __init__(
        self, ctx: AppContext, service: Service | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = service
        self.saved: Service | None = None
        self.setWindowTitle("Edit service" if service else "Add a service")
        self.setAccessibleName(self.windowTitle())
        self.errors = FieldErrors(error_label(self))
        form = QFormLayout()

        def row(label: str, widget: QWidget, name: str) -> None:
            self.errors.add_row(form, label, widget, name)

        def line(name: str) -> QLineEdit:
            edit = QLineEdit()
            edit.setAccessibleName(name)
            return edit

        self.name = line("Service name")
        row("&Name", self.name, "service name")
        self.organisation = line("Organisation")
        row("&Organisation", self.organisation, "organisation")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for category in ServiceCategory:
            self.category.addItem(category.label_for(ctx.nation), category)
        self.category.activated.connect(self._on_category)
        row("&Category", self.category, "category")
        self.domain = QComboBox()
        self.domain.setAccessibleName("Usual need domain")
        self.domain.addItem("(any)", None)
        for domain in DOMAIN_ORDER:
            self.domain.addItem(domain.label(ctx.nation), domain)
        row("Usual &domain", self.domain, "domain")
        self.phone = line("Phone")
        row("&Phone", self.phone, "phone")
        self.email = line("Email")
        row("&Email", self.email, "email")
        self.website = line("Website")
        row("&Website", self.website, "website")
        self.address = line("Address")
        row("&Address", self.address, "address")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 6 + 14)
        row("Desc&ription", self.description, "description")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("The setting's own notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 3 + 14)
        row("Our no&tes", self.notes, "notes")
        self.active = QCheckBox("Still running")
        self.active.setChecked(True)
        form.addRow("", self.active)
        source = QLabel()
        if service is not None and service.hsds_id:
            source.setText(
                "Imported from a published directory: a later import updates it, but not your notes "
                "or a category you chose."
            )
        source.setWordWrap(True)
        #: What the directory says beyond the editable fields: category status, terms, contacts.
        self.directory_info = QLabel(self._directory_text(service) if service is not None else "")
        self.directory_info.setWordWrap(True)
        self.directory_info.setAccessibleName("From the directory")
        self.directory_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.directory_info.setVisible(bool(self.directory_info.text()))

        buttons = QHBoxLayout()
        buttons.addWidget(self.errors.general, 1)
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.directory_info)
        layout.addWidget(source)
        layout.addLayout(buttons)
        if service is not None:
            self._load(service)
        else:
            self._on_category(self.category.currentIndex())
        self.resize(560, 560)

    def _directory_text(self, s: Service) -> str:
        lines = []
        if s.to_review:
            text = "Category: to review (the directory gave none we can place); choosing one confirms it."
            if s.suggested_category:
                text += f" Suggested: {s.suggested_category.label_for(self.ctx.nation)}, because {s.suggestion_reason}."
            lines.append(text)
        elif s.hsds_id:
            lines.append(f"Category: {s.category_status.label}.")
        if s.taxonomy_terms:
            lines.append("Directory categories: " + "; ".join(s.taxonomy_terms))
        if s.contacts:
            lines.append("Contacts: " + "; ".join(c.text for c in s.contacts))
        if s.hsds_id:
            lines.append(f"Directory id: {s.hsds_id}")
        return "\n".join(lines)

    def _on_category(self, index: int) -> None:
        usual = CATEGORY_USUAL_DOMAIN.get(combo_code(self.category, ServiceCategory, index))
        self.domain.setCurrentIndex(max(0, self.domain.findData(usual)))

    def _load(self, s: Service) -> None:
        self.name.setText(s.name)
        self.organisation.setText(s.organisation)
        self.category.setCurrentIndex(self.category.findData(s.category))
        self.domain.setCurrentIndex(max(0, self.domain.findData(s.domain)))
        self.phone.setText(s.phone)
        self.email.setText(s.email)
        self.website.setText(s.website)
        self.address.setText(s.address)
        self.description.setPlainText(s.description)
        self.notes.setPlainText(s.notes)
        self.active.setChecked(s.active)

    def collect(self) -> NewService:
        return NewService(
            name=self.name.text(),
            category=combo_code(self.category, ServiceCategory),
            organisation=self.organisation.text(),
            domain=combo_code(self.domain, Domain),
            phone=self.phone.text(),
            email=self.email.text(),
            website=self.website.text(),
            address=self.address.text(),
            description=self.description.toPlainText(),
            notes=self.notes.toPlainText(),
            active=self.active.isChecked(),
        )

    def save(self) -> bool:
        self.errors.clear()
        try:
            if self.service is None:
                self.saved = service_directory.add_service(self.ctx.session, self.collect())
            else:
                self.saved = service_directory.update_service(
                    self.ctx.session, self.service.id, self.collect()
                )
        except ValidationError as exc:
            self.errors.show(exc.field, exc.problem)
            return False
        except AppError as exc:
            self.errors.show_general(exc.message)
            return False
        self.ctx.data_changed.emit("referrals")
        self.accept()
        return True
