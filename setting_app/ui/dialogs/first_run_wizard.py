"""First run: the setting's details, the first manager's account, then the recovery code (shown once).

The casebook is created when the manager page is committed; from then on there is no going back,
and Finish stays disabled until the person confirms the recovery code is stored safely.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from setting_app.domain import validation
from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.codes import IntegrationModel, Nation, ProviderType
from setting_app.domain.errors import AppError, ValidationError
from setting_app.domain.models import SettingDetails
from setting_app.services.casebook import create_casebook
from setting_app.services.session import Session
from setting_app.storage.keyslots import PRODUCTION_KDF, KdfParams

from setting_app.ui.dialogs.recovery_code_dialog import RecoveryCodePanel

log = logging.getLogger("setting_app.ui")

NATION_LABELS = {Nation.ENGLAND: "England", Nation.SCOTLAND: "Scotland"}


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #B00020;")
    label.setAccessibleName("Problem")
    label.hide()
    return label


def _combo(items: list[tuple[str, object]], name: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.setAccessibleName(name)
    return combo


class _FormPage(QWizardPage):
    """A page whose fields can be flagged by a ValidationError's field name."""

    def __init__(self) -> None:
        super().__init__()
        self.error = _error_label()
        self.fields: dict[str, QWidget] = {}

    def flag(self, error: AppError) -> None:
        self.error.setText(error.message)
        self.error.setAccessibleDescription(error.message)
        self.error.show()
        if isinstance(error, ValidationError) and error.field in self.fields:
            self.fields[error.field].setFocus()

    def clear_flag(self) -> None:
        self.error.hide()


class SettingPage(_FormPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your setting")
        self.setSubTitle("These details appear on the monthly summary and the local authority return.")
        self.name = QLineEdit()
        self.name.setAccessibleName("Setting name")
        self.nation = _combo([(label, n) for n, label in NATION_LABELS.items()], "Nation")
        self.urn = QLineEdit()
        self.urn.setAccessibleName("URN or service number")
        self.urn_label = QLabel()
        self.urn_label.setBuddy(self.urn)
        self.la_code = QLineEdit()
        self.la_code.setAccessibleName("Local authority code")
        self.la_name = QLineEdit()
        self.la_name.setAccessibleName("Local authority name")
        self.provider_type = _combo([(p.label, p) for p in ProviderType], "Type of provider")
        self.integration_model = _combo(
            [(m.label, m) for m in IntegrationModel], "How family support is organised"
        )
        self.integration_model.setCurrentIndex(list(IntegrationModel).index(IntegrationModel.SETTING_LED))

        form = QFormLayout()
        form.addRow("Setting &name:", self.name)
        form.addRow("Na&tion:", self.nation)
        form.addRow(self.urn_label, self.urn)
        form.addRow("&Local authority code:", self.la_code)
        form.addRow("Local authority na&me:", self.la_name)
        form.addRow("&Type of provider:", self.provider_type)
        form.addRow("&Family support is:", self.integration_model)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.fields = {"setting name": self.name, "URN": self.urn, "local authority code": self.la_code}
        for a, b in zip(
            (self.name, self.nation, self.urn, self.la_code, self.la_name, self.provider_type),
            (self.nation, self.urn, self.la_code, self.la_name, self.provider_type, self.integration_model),
            strict=True,
        ):
            self.setTabOrder(a, b)
        self.nation.currentIndexChanged.connect(self._nation_changed)
        self._nation_changed()

    def _nation_changed(self) -> None:
        if self.nation.currentData() == Nation.SCOTLAND.value:
            self.urn_label.setText("Care Inspectorate &service number:")
            self.la_code.setPlaceholderText("GSS code, for example S12000036")
            self.urn.setPlaceholderText("for example CS2003012345")
        else:
            self.urn_label.setText("Ofsted &URN:")
            self.la_code.setPlaceholderText("GSS code, for example E09000019")
            self.urn.setPlaceholderText("for example EY123456")

    def details(self) -> SettingDetails:
        return SettingDetails(
            name=self.name.text(),
            urn=self.urn.text(),
            nation=Nation(self.nation.currentData()),
            la_code=self.la_code.text(),
            la_name=self.la_name.text(),
            provider_type=ProviderType(self.provider_type.currentData()),
            integration_model=IntegrationModel(self.integration_model.currentData()),
        )

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        try:
            validation.check_setting(self.details())
        except AppError as error:
            self.flag(error)
            return False
        self.clear_flag()
        return True


class ManagerPage(_FormPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("The first manager")
        self.setSubTitle(
            "Managers add staff accounts, change settings and make reports. "
            "Choose a passphrase that is hard to guess: three random words are easy to remember."
        )
        self.username = QLineEdit()
        self.username.setAccessibleName("Manager username")
        self.username.setPlaceholderText("for example jsmith")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Manager display name")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again.setAccessibleName("Passphrase again")
        form = QFormLayout()
        form.addRow("&Username:", self.username)
        form.addRow("&Display name:", self.display_name)
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("Passphrase &again:", self.passphrase_again)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.fields = {
            "username": self.username,
            "display name": self.display_name,
            "passphrase": self.passphrase,
            "passphrase again": self.passphrase_again,
        }
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create casebook")

    def validatePage(self) -> bool:  # noqa: N802
        try:
            validation.check_username(self.username.text())
            validation.check_new_passphrase(
                self.passphrase.text(),
                user_inputs=(
                    self.username.text(),
                    self.display_name.text(),
                    self._wizard.setting_page.name.text(),
                ),
            )
            if self.passphrase.text() != self.passphrase_again.text():
                raise ValidationError("passphrase again", "is not the same as the passphrase")
            self._wizard.create()
        except AppError as error:
            self.passphrase_again.clear()
            self.flag(error)
            return False
        self.clear_flag()
        return True


class RecoveryPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your recovery code")
        self.panel: RecoveryCodePanel | None = None
        self._layout = QVBoxLayout(self)

    def show_code(self, code: str, setting_name: str) -> None:
        self.panel = RecoveryCodePanel(code, setting_name, self)
        self.panel.confirmed_changed.connect(lambda _checked: self.completeChanged.emit())
        self._layout.addWidget(self.panel)

    def isComplete(self) -> bool:  # noqa: N802
        return self.panel is not None and self.panel.confirmed


class FirstRunWizard(QWizard):
    """Creates the casebook; afterwards ``session`` is the first manager's unlocked session."""

    def __init__(
        self,
        data_dir: Path,
        clock: Clock = SYSTEM_CLOCK,
        *,
        kdf: KdfParams = PRODUCTION_KDF,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.clock = clock
        self.kdf = kdf
        self.session: Session | None = None
        self.recovery_code: str | None = None
        self.setWindowTitle("Family Support Log — set up")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setting_page = SettingPage()
        self.manager_page = ManagerPage(self)
        self.recovery_page = RecoveryPage()
        for page in (self.setting_page, self.manager_page, self.recovery_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish")

    def create(self) -> None:
        """Make the casebook (runs when the manager page is committed)."""
        if self.session is not None:
            return
        page = self.manager_page
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            created = create_casebook(
                self.data_dir,
                self.setting_page.details(),
                page.username.text(),
                page.display_name.text(),
                page.passphrase.text(),
                kdf=self.kdf,
                clock=self.clock,
            )
        finally:
            QGuiApplication.restoreOverrideCursor()
        log.info("casebook created")
        page.passphrase.clear()
        page.passphrase_again.clear()
        self.session = created.session
        self.recovery_code = created.recovery_code
        self.recovery_page.show_code(created.recovery_code, created.session.setting.name)

    def reject(self) -> None:
        """Once the casebook exists, closing is refused until the recovery code is confirmed."""
        if self.session is not None and not self.recovery_page.isComplete():
            return
        super().reject()

    def done(self, result: int) -> None:
        if (
            result == QWizard.DialogCode.Rejected
            and self.session is not None
            and not self.recovery_page.isComplete()
        ):
            return
        super().done(result)
