"""The set-up wizard and the settings screen refuse an easy passphrase with the three-words advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtCore import Qt

from setting_app.domain.codes import Role
from setting_app.services import casebook, staff
from setting_app.storage.casebook_store import CasebookPaths
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.first_run_wizard import FirstRunWizard
from setting_app.ui.screens.settings import SettingsScreen


@pytest.fixture
def wizard(data_dir, clock, qtbot) -> FirstRunWizard:
    wiz = FirstRunWizard(data_dir, clock, kdf=TEST_ONLY_FAST_KDF)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    yield wiz
    if wiz.session is not None and wiz.session.is_open:
        wiz.session.close()


@pytest.fixture
def screen(session, clock, qtbot) -> SettingsScreen:
    screen = SettingsScreen(AppContext(session, clock))
    screen.kdf = TEST_ONLY_FAST_KDF
    qtbot.addWidget(screen)
    screen.show()
    screen.refresh()
    return screen


@pytest.mark.parametrize("weak", ["aaaaaaaa", "Wee Acorns ELC 2026", "mina manager 1"])
def test_the_wizard_refuses_an_easy_passphrase_and_creates_nothing(
    wizard: FirstRunWizard, data_dir: Path, qtbot, weak: str
) -> None:
    setting = wizard.setting_page
    qtbot.keyClicks(setting.name, "Wee Acorns ELC")
    qtbot.keyClicks(setting.urn, "EY123456")
    qtbot.keyClicks(setting.la_code, "E09000019")
    wizard.next()
    page = wizard.manager_page
    assert wizard.currentPage() is page
    qtbot.keyClicks(page.username, "mina")
    qtbot.keyClicks(page.display_name, "Mina Manager")
    qtbot.keyClicks(page.passphrase, weak)
    qtbot.keyClicks(page.passphrase_again, weak)
    wizard.next()
    assert wizard.currentPage() is page
    assert page.error.isVisible()
    assert "too easy to guess" in page.error.text() and "three random words" in page.error.text()
    assert page.passphrase.hasFocus()
    assert not casebook.casebook_exists(data_dir)
    # A strong one then goes through.
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClicks(page.passphrase_again, PASSPHRASE)
    wizard.next()
    assert wizard.currentPage() is wizard.recovery_page
    assert casebook.casebook_exists(data_dir)


def test_changing_ones_passphrase_in_settings_refuses_an_easy_one(screen: SettingsScreen, data_dir) -> None:
    tab = screen.security_tab
    before = CasebookPaths(data_dir).slots.read_bytes()
    tab.current.setText(PASSPHRASE)
    tab.new.setText("Mina Manager 2026")
    tab.new_again.setText("Mina Manager 2026")
    tab.change_button.click()
    assert "new passphrase: is too easy to guess" in tab.message.text()
    assert "three random words" in tab.message.text()
    assert CasebookPaths(data_dir).slots.read_bytes() == before


def test_adding_staff_in_settings_refuses_an_easy_passphrase(screen: SettingsScreen, session, qtbot) -> None:
    tab = screen.staff_tab
    qtbot.keyClicks(tab.username, "sam")
    qtbot.keyClicks(tab.display_name, "Sam Smith")
    qtbot.keyClicks(tab.passphrase, "sam smith 123")
    qtbot.keyClicks(tab.passphrase_again, "sam smith 123")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert "too easy to guess" in tab.message.text()
    assert [u.username for u in staff.list_users(session)] == ["manager"]
    assert all(u.role is Role.MANAGER for u in staff.list_users(session))
