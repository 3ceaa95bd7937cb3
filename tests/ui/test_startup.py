"""Start-up: the first-run wizard (a real casebook at the end), the unlock form and the recovery code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWizard

from setting_app.domain.codes import IntegrationModel, Nation, Role
from setting_app.domain.errors import AppError, CasebookDamaged, CasebookTooNew, PassphraseNotRecognised
from setting_app.services import casebook
from setting_app.storage import migrations
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.app import start_dialog
from setting_app.ui.dialogs.first_run_wizard import FirstRunWizard
from setting_app.ui.dialogs.recovery_code_dialog import RecoveryCodeDialog
from setting_app.ui.dialogs.unlock_dialog import UnlockDialog

RECOVERY_CODE = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789"


def _select(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


@pytest.fixture
def wizard(data_dir, clock, qtbot) -> FirstRunWizard:
    wiz = FirstRunWizard(data_dir, clock, kdf=TEST_ONLY_FAST_KDF)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    yield wiz
    if wiz.session is not None and wiz.session.is_open:
        wiz.session.close()


def _fill_setting_page(wizard: FirstRunWizard, qtbot, nation: Nation = Nation.SCOTLAND) -> None:
    page = wizard.setting_page
    qtbot.keyClicks(page.name, "Wee Acorns ELC")
    _select(page.nation, nation)
    qtbot.keyClicks(page.urn, "CS2003012345" if nation is Nation.SCOTLAND else "EY123456")
    qtbot.keyClicks(page.la_code, "S12000036" if nation is Nation.SCOTLAND else "E09000019")
    qtbot.keyClicks(page.la_name, "City of Edinburgh")
    _select(page.integration_model, IntegrationModel.HUB)


def _fill_manager_page(wizard: FirstRunWizard, qtbot, again: str = PASSPHRASE) -> None:
    page = wizard.manager_page
    qtbot.keyClicks(page.username, "mina")
    qtbot.keyClicks(page.display_name, "Mina Manager")
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClicks(page.passphrase_again, again)


def _finish(wizard: FirstRunWizard):
    return wizard.button(QWizard.WizardButton.FinishButton)


def test_start_up_shows_the_wizard_without_a_casebook_and_the_unlock_form_with_one(
    data_dir, clock, session, tmp_path, qtbot
) -> None:
    first = start_dialog(tmp_path / "empty", clock)
    qtbot.addWidget(first)
    assert isinstance(first, FirstRunWizard)
    second = start_dialog(data_dir, clock, "manager")
    qtbot.addWidget(second)
    assert isinstance(second, UnlockDialog)
    assert second.panel.username.text() == "manager"


def test_the_wizard_creates_a_real_casebook_and_shows_the_recovery_code_once(
    wizard: FirstRunWizard, data_dir: Path, clock, qtbot
) -> None:
    assert not casebook.casebook_exists(data_dir)
    _fill_setting_page(wizard, qtbot)
    # Scotland: the inspectorate's words, not Ofsted's.
    assert "Care Inspectorate" in wizard.setting_page.urn_label.text()
    wizard.next()
    assert wizard.currentPage() is wizard.manager_page
    assert not casebook.casebook_exists(data_dir)
    _fill_manager_page(wizard, qtbot)
    wizard.next()

    assert wizard.currentPage() is wizard.recovery_page
    assert casebook.casebook_exists(data_dir)
    session = wizard.session
    assert session.user.username == "mina" and session.user.role is Role.MANAGER
    setting = session.setting
    assert (setting.name, setting.nation, setting.la_code, setting.integration_model) == (
        "Wee Acorns ELC",
        Nation.SCOTLAND,
        "S12000036",
        IntegrationModel.HUB,
    )
    # The passphrase does not linger in the form.
    assert wizard.manager_page.passphrase.text() == "" == wizard.manager_page.passphrase_again.text()

    panel = wizard.recovery_page.panel
    assert panel.code_label.text() == wizard.recovery_code
    assert panel.print_button.isVisible() and panel.print_button.isEnabled()
    # Finish is held back, and the wizard cannot be closed, until the code is stored.
    assert not _finish(wizard).isEnabled()
    wizard.reject()
    assert wizard.isVisible()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()
    panel.stored.setFocus()
    qtbot.keyClick(panel.stored, Qt.Key.Key_Space)
    assert panel.confirmed and _finish(wizard).isEnabled()
    qtbot.mouseClick(_finish(wizard), Qt.MouseButton.LeftButton)
    assert not wizard.isVisible()
    assert wizard.result() == QWizard.DialogCode.Accepted

    # A real casebook: the passphrase and the recovery code both open it.
    session.close()
    # The code is shown, never stored: no file in the data folder holds it.
    code = wizard.recovery_code.encode()
    assert all(code not in path.read_bytes() for path in data_dir.rglob("*") if path.is_file())
    again = casebook.unlock(data_dir, "mina", PASSPHRASE, clock=clock)
    assert again.setting.name == "Wee Acorns ELC"
    again.close()
    recovered = casebook.recover_access(
        data_dir, wizard.recovery_code, "mina", "a brand new passphrase", kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    recovered.close()


def test_the_wizard_flags_bad_setting_details_beside_the_form_and_keeps_the_text(
    wizard: FirstRunWizard, data_dir: Path, qtbot
) -> None:
    page = wizard.setting_page
    qtbot.keyClicks(page.urn, "EY123456")
    qtbot.keyClicks(page.la_code, "not a code")
    wizard.next()
    assert wizard.currentPage() is page
    assert page.error.isVisible()
    assert "setting name" in page.error.text().lower()
    assert page.urn.text() == "EY123456" and page.la_code.text() == "not a code"
    assert not casebook.casebook_exists(data_dir)


def test_the_wizard_refuses_a_mismatched_passphrase_and_creates_nothing(
    wizard: FirstRunWizard, data_dir: Path, qtbot
) -> None:
    _fill_setting_page(wizard, qtbot, Nation.ENGLAND)
    assert "Ofsted" in wizard.setting_page.urn_label.text()
    wizard.next()
    _fill_manager_page(wizard, qtbot, again="something else entirely")
    wizard.next()
    page = wizard.manager_page
    assert wizard.currentPage() is page
    assert "not the same" in page.error.text()
    assert page.username.text() == "mina" and page.passphrase_again.text() == ""
    assert not casebook.casebook_exists(data_dir)
    assert wizard.session is None


def test_the_recovery_code_prints_to_a_pdf(tmp_path: Path, qtbot) -> None:
    dialog = RecoveryCodeDialog(RECOVERY_CODE, "Little Acorns Nursery")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    pdf = tmp_path / "recovery.pdf"
    printer.setOutputFileName(str(pdf))
    dialog.panel.print_to(printer)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert RECOVERY_CODE in text
    assert "Little Acorns Nursery" in text


def test_the_recovery_code_dialog_is_done_only_once_the_code_is_stored(qtbot) -> None:
    dialog = RecoveryCodeDialog(RECOVERY_CODE, "Little Acorns Nursery")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    done = dialog.buttons.buttons()[0]
    assert dialog.panel.code_label.text() == RECOVERY_CODE
    assert dialog.panel.code_label.accessibleName() == "Recovery code"
    assert not done.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # Escape does not lose the only sight of the code
    dialog.panel.stored.setChecked(True)
    assert done.isEnabled()
    qtbot.mouseClick(done, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


# -- unlock ------------------------------------------------------------------------------------


@pytest.fixture
def closed_casebook(session, data_dir: Path) -> Path:
    session.close()
    return data_dir


def _unlock_dialog(data_dir: Path, clock, qtbot) -> UnlockDialog:
    dialog = UnlockDialog(data_dir, clock, username="manager")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _message(error_type: type[AppError], data_dir: Path, clock) -> str:
    with pytest.raises(error_type) as caught:
        casebook.unlock(data_dir, "manager", PASSPHRASE, clock=clock)
    return caught.value.message


def test_unlocking_with_the_right_passphrase(closed_casebook: Path, clock, qtbot) -> None:
    dialog = _unlock_dialog(closed_casebook, clock, qtbot)
    assert dialog.focusWidget() is dialog.panel.passphrase  # the username is filled in already
    qtbot.keyClicks(dialog.panel.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.panel.passphrase, Qt.Key.Key_Return)
    assert dialog.result() == UnlockDialog.DialogCode.Accepted
    assert dialog.session is not None and dialog.session.user.username == "manager"
    assert dialog.panel.passphrase.text() == ""
    dialog.session.close()


def test_a_wrong_passphrase_is_a_plain_message_in_the_window(closed_casebook: Path, clock, qtbot) -> None:
    dialog = _unlock_dialog(closed_casebook, clock, qtbot)
    qtbot.keyClicks(dialog.panel.passphrase, "not the passphrase")
    qtbot.keyClick(dialog.panel.passphrase, Qt.Key.Key_Return)
    panel = dialog.panel
    assert dialog.isVisible() and dialog.session is None
    assert panel.error.isVisible()
    with pytest.raises(PassphraseNotRecognised) as caught:
        casebook.unlock(closed_casebook, "manager", "not the passphrase", clock=clock)
    assert panel.error.text() == caught.value.message
    assert "Traceback" not in panel.error.text()
    assert panel.username.text() == "manager"
    assert panel.passphrase.text() == ""
    assert dialog.focusWidget() is panel.passphrase


def test_damaged_and_too_new_databases_get_the_cores_own_messages_told_apart(
    session, data_dir: Path, clock, qtbot, tmp_path: Path
) -> None:
    # Too new: written by a later version of the app.
    session.conn.execute(f"PRAGMA user_version = {migrations.latest_version() + 5}")
    session.close()
    too_new = _message(CasebookTooNew, data_dir, clock)
    dialog = _unlock_dialog(data_dir, clock, qtbot)
    qtbot.keyClicks(dialog.panel.passphrase, PASSPHRASE)
    dialog.panel.unlock_button.click()
    assert dialog.session is None and dialog.panel.error.text() == too_new
    assert "newer version" in too_new

    # Damaged: the database file is noise (the key file, and so the passphrase, are fine).
    db = CasebookPaths(data_dir).db
    db.write_bytes(os.urandom(8192))
    damaged = _message(CasebookDamaged, data_dir, clock)
    qtbot.keyClicks(dialog.panel.passphrase, PASSPHRASE)
    dialog.panel.unlock_button.click()
    assert dialog.session is None and dialog.panel.error.text() == damaged
    assert "damaged" in damaged
    assert damaged != too_new
    assert dialog.panel.username.text() == "manager" and dialog.panel.passphrase.text() == ""
