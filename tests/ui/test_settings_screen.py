"""The settings screen: details, staff accounts and activity types for managers; read-only for others.

Each hidden control is also refused by the service underneath, tested directly.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from setting_app.domain.codes import Domain, IntegrationModel, Role
from setting_app.domain.errors import PermissionDenied, UnlockError
from setting_app.services import app_settings, casebook, staff, staff_admin, support_log
from setting_app.storage import setting_repo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.screens.settings import SettingsScreen


def _screen(session, clock, qtbot) -> SettingsScreen:
    screen = SettingsScreen(AppContext(session, clock))
    screen.kdf = TEST_ONLY_FAST_KDF
    qtbot.addWidget(screen)
    screen.resize(1100, 720)
    screen.show()
    screen.refresh()
    return screen


@pytest.fixture
def screen(session, clock, qtbot) -> SettingsScreen:
    return _screen(session, clock, qtbot)


@pytest.fixture
def practitioner(session, data_dir, clock):
    staff.add_user(
        session, "pat", Role.PRACTITIONER, PASSPHRASE, display_name="Pat Practitioner", kdf=TEST_ONLY_FAST_KDF
    )
    pat = casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock)
    yield pat
    if pat.is_open:
        pat.close()


def _replace_text(qtbot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def test_a_manager_edits_the_settings_details(screen: SettingsScreen, session, qtbot) -> None:
    tab = screen.details_tab
    assert tab.name.text() == "Little Acorns Nursery" and not tab.name.isReadOnly()
    _replace_text(qtbot, tab.name, "Little Oaks Nursery")
    _replace_text(qtbot, tab.la_name, "London Borough of Islington")
    tab.integration_model.setCurrentIndex(tab.integration_model.findData(IntegrationModel.HUB))
    with qtbot.waitSignal(screen.ctx.data_changed) as changed:
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert changed.args == ["settings"]
    assert tab.message.text() == "Saved."
    stored = setting_repo.get_setting(session.conn)
    assert (stored.name, stored.la_name, stored.integration_model) == (
        "Little Oaks Nursery",
        "London Borough of Islington",
        IntegrationModel.HUB,
    )


def test_the_setting_tab_shows_the_transfer_key_and_saves_its_file(
    screen: SettingsScreen, session, qtbot, tmp_path
) -> None:
    """The receiving setting's key, as another setting needs it to send a family here (issue #10)."""
    import json

    from setting_app.services import transfer_keys

    tab = screen.details_tab
    tab.refresh()
    fingerprint = transfer_keys.transfer_key_fingerprint(session)
    assert tab.transfer_fingerprint.text() == fingerprint and len(fingerprint) == 39
    tab.choose_key_target = lambda _w, suggested: tmp_path / suggested
    tab.save_key_button.click()
    written = tmp_path / "little-acorns-nursery-transfer-key.json"
    assert json.loads(written.read_text())["transfer_key_fingerprint"] == fingerprint
    assert "Saved the transfer key file" in tab.message.text()
    tab.choose_key_target = lambda _w, _suggested: tmp_path  # a folder, not a file
    tab.save_key_button.click()
    assert "is a folder" in tab.message.text()


def test_bad_details_are_flagged_by_field_and_the_typing_is_kept(
    screen: SettingsScreen, session, qtbot
) -> None:
    tab = screen.details_tab
    _replace_text(qtbot, tab.la_code, "Islington")
    _replace_text(qtbot, tab.name, "Little Oaks Nursery")
    tab.save_button.click()
    assert tab.message.isVisible() and "local authority code" in tab.message.text().lower()
    assert tab.la_code.text() == "Islington" and tab.name.text() == "Little Oaks Nursery"
    assert setting_repo.get_setting(session.conn).name == "Little Acorns Nursery"  # nothing saved


def test_a_manager_adds_a_staff_account_which_can_then_unlock(
    screen: SettingsScreen, data_dir, clock, qtbot
) -> None:
    tab = screen.staff_tab
    assert screen.tabs.isTabVisible(screen.tabs.indexOf(tab))
    assert tab.table.rowCount() == 1
    qtbot.keyClicks(tab.username, "sam")
    qtbot.keyClicks(tab.display_name, "Sam Smith")
    qtbot.keyClicks(tab.passphrase, "sam's own passphrase")
    qtbot.keyClicks(tab.passphrase_again, "sam's own passphrase")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Added Sam Smith (sam)."
    assert tab.username.text() == "" and tab.passphrase.text() == ""
    screen.refresh()
    rows = [[tab.table.item(r, c).text() for c in range(4)] for r in range(tab.table.rowCount())]
    assert ["Sam Smith", "sam", "Practitioner", "Active"] in rows
    sam = casebook.unlock(data_dir, "sam", "sam's own passphrase", clock=clock)
    assert sam.user.role is Role.PRACTITIONER
    sam.close()


def test_mismatched_passphrases_are_refused_and_the_rest_kept(screen: SettingsScreen, qtbot) -> None:
    tab = screen.staff_tab
    qtbot.keyClicks(tab.username, "sam")
    qtbot.keyClicks(tab.passphrase, "sam's own passphrase")
    qtbot.keyClicks(tab.passphrase_again, "something else")
    tab.add_button.click()
    assert "not the same" in tab.message.text()
    assert tab.username.text() == "sam" and tab.passphrase_again.text() == ""
    assert tab.table.rowCount() == 1


def test_a_manager_switches_an_account_off_and_on(
    screen: SettingsScreen, session, practitioner, data_dir, clock, qtbot
) -> None:
    practitioner.close()
    tab = screen.staff_tab
    screen.refresh()
    row = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 1).text() == "pat")
    tab.table.selectRow(row)
    assert tab.toggle_button.isEnabled() and tab.toggle_button.text() == "S&witch off"
    tab.toggle_button.click()
    assert "switched off" in tab.message.text()
    screen.refresh()
    assert tab.table.item(row, 3).text() == "Switched off"
    with pytest.raises(UnlockError):
        casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock)
    tab.table.selectRow(row)
    assert tab.toggle_button.text() == "S&witch on"
    tab.toggle_button.click()
    casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock).close()


def test_a_manager_removes_a_leaver_from_the_app_and_stays_unlocked(
    screen: SettingsScreen, session, practitioner, data_dir, clock, qtbot
) -> None:
    practitioner.close()
    staff.add_user(session, "sam", Role.PRACTITIONER, PASSPHRASE, display_name="Sam", kdf=TEST_ONLY_FAST_KDF)
    ctx = screen.ctx
    old_conn = ctx.session.conn
    tab = screen.staff_tab
    screen.tabs.setCurrentWidget(tab)
    screen.refresh()
    own = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 1).text() == "manager")
    tab.table.selectRow(own)
    assert not tab.remove_button.isEnabled()  # not your own account
    row = next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 1).text() == "pat")
    tab.table.selectRow(row)
    asked: list[str] = []
    tab.confirm_removal = lambda user: asked.append(user.username) is None and False  # says No
    assert tab.remove_selected() is False
    casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock).close()  # nothing changed
    tab.confirm_removal = lambda user: True
    with qtbot.waitSignal(tab.removal_finished, timeout=30_000) as finished:
        assert tab.remove_selected() is True
        # the rotation runs on a worker thread: the UI thread is back at once, showing it is busy
        assert tab.busy and tab.progress.isVisible() and not tab.remove_button.isEnabled()
        assert not ctx.is_unlocked
        with pytest.raises(PermissionDenied, match="key is being changed"):
            ctx.session  # noqa: B018 (a screen asking meanwhile gets a plain line)
    assert finished.args == [True]
    assert not tab.busy and not tab.progress.isVisible()
    assert asked == ["pat"] and "removed" in tab.message.text()
    assert ctx.is_unlocked and ctx.session.conn is not old_conn  # reopened under the new key
    assert ctx.session.has_manager_key  # the manager key came across to the UI thread's connection
    assert ctx.user.username == "manager"
    with pytest.raises(UnlockError):
        casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock)
    casebook.unlock(data_dir, "sam", PASSPHRASE, clock=clock).close()  # everyone else still opens it
    screen.refresh()
    assert staff.list_users(ctx.session)  # the app carries on with the new session


def test_a_removal_refused_by_the_rotation_leaves_the_app_unlocked_under_the_old_key(
    screen: SettingsScreen, session, practitioner, data_dir, clock, qtbot
) -> None:
    practitioner.close()
    ctx = screen.ctx
    slots = ctx.session.paths.slots
    slots.write_text(slots.read_text(encoding="utf-8") + "this line is damaged\n", encoding="utf-8")
    tab = screen.staff_tab
    screen.refresh()
    tab.table.selectRow(next(r for r in range(tab.table.rowCount()) if tab.table.item(r, 1).text() == "pat"))
    tab.confirm_removal = lambda user: True
    with qtbot.waitSignal(tab.removal_finished, timeout=30_000) as finished:
        assert tab.remove_selected() is True
    assert finished.args == [False]
    assert "damaged" in tab.message.text() and not tab.busy
    assert ctx.is_unlocked and ctx.session.has_manager_key  # reopened with the keys it had
    assert staff.list_users(ctx.session)  # the app carries on with a working connection


def test_a_manager_adds_an_activity_type(screen: SettingsScreen, session, qtbot) -> None:
    tab = screen.activities_tab
    screen.tabs.setCurrentWidget(tab)
    tab.domain.setCurrentIndex(tab.domain.findData(Domain.FINANCIAL_HARDSHIP))
    before = tab.list.count()
    assert tab.add_row.isVisible()
    qtbot.keyClicks(tab.new_label, "Warm bank visit")
    qtbot.keyClick(tab.new_label, Qt.Key.Key_Return)
    assert tab.list.count() == before + 1
    assert any(tab.list.item(i).text().startswith("Warm bank visit") for i in range(tab.list.count()))
    labels = [a.label for a in support_log.activity_types(session, Domain.FINANCIAL_HARDSHIP)]
    assert "Warm bank visit" in labels
    # An empty name is flagged, not saved.
    tab.add_button.click()
    assert "activity name" in tab.message.text().lower()


def test_a_manager_sets_the_auto_lock_time(screen: SettingsScreen, session) -> None:
    tab = screen.security_tab
    tab.auto_lock.setValue(12)
    tab.auto_lock_button.click()
    assert app_settings.auto_lock_minutes(session) == 12
    assert "12 minutes" in tab.message.text()


def test_a_practitioner_sees_no_staff_accounts_and_read_only_details(practitioner, clock, qtbot) -> None:
    screen = _screen(practitioner, clock, qtbot)
    assert not screen.tabs.isTabVisible(screen.tabs.indexOf(screen.staff_tab))
    details = screen.details_tab
    assert details.name.isReadOnly() and not details.nation.isEnabled()
    assert not details.save_button.isVisible() and details.read_only_note.isVisible()
    assert not screen.activities_tab.add_row.isVisibleTo(screen.activities_tab)
    assert screen.activities_tab.list.count() > 0  # they can still read the list
    assert not screen.security_tab.auto_lock_button.isVisibleTo(screen.security_tab)
    assert screen.security_tab.change_button.isVisibleTo(
        screen.security_tab
    )  # their own passphrase is theirs to change


def test_the_services_refuse_a_practitioner_whatever_the_screen_shows(practitioner, session) -> None:
    with pytest.raises(PermissionDenied):
        staff.add_user(practitioner, "sam", Role.PRACTITIONER, PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    with pytest.raises(PermissionDenied):
        staff_admin.set_user_active(practitioner, session.user.id, False)
    with pytest.raises(PermissionDenied):
        support_log.add_activity_type(practitioner, Domain.FAMILY_WELLBEING, "Coffee morning")
    with pytest.raises(PermissionDenied):
        app_settings.update_setting_details(practitioner, replace(practitioner.setting, name="Mine now"))
    with pytest.raises(PermissionDenied):
        app_settings.set_auto_lock_minutes(practitioner, 60)
    assert setting_repo.get_setting(session.conn).name == "Little Acorns Nursery"


def test_a_practitioner_changes_their_own_passphrase(practitioner, data_dir, clock, qtbot) -> None:
    screen = _screen(practitioner, clock, qtbot)
    tab = screen.security_tab
    qtbot.keyClicks(tab.current, PASSPHRASE)
    qtbot.keyClicks(tab.new, "pat's brand new passphrase")
    qtbot.keyClicks(tab.new_again, "pat's brand new passphrase")
    tab.change_button.click()
    assert "changed" in tab.message.text()
    practitioner.close()
    casebook.unlock(data_dir, "pat", "pat's brand new passphrase", clock=clock).close()


def test_sensitive_items_tab_marks_more_and_keeps_the_fixed_ones(session, clock, qtbot) -> None:
    from PySide6.QtCore import Qt

    from setting_app.services import document_review

    from setting_app.ui.context import AppContext
    from setting_app.ui.screens.sensitive_items_tab import SensitiveItemsTab

    tab = SensitiveItemsTab(AppContext(session, clock))
    qtbot.addWidget(tab)
    tab.refresh()
    labels = {
        tab.categories.item(i).data(Qt.ItemDataRole.UserRole): tab.categories.item(i)
        for i in range(tab.categories.count())
    }
    abuse = labels["domestic_abuse"]
    assert abuse.checkState() == Qt.CheckState.Checked and not abuse.flags() & Qt.ItemFlag.ItemIsEnabled
    labels["housing"].setCheckState(Qt.CheckState.Checked)
    acts = {
        tab.activities.item(i).data(Qt.ItemDataRole.UserRole): tab.activities.item(i)
        for i in range(tab.activities.count())
    }
    assert acts["safeguarding_discussion"].checkState() == Qt.CheckState.Checked
    acts["parenting_support"].setCheckState(Qt.CheckState.Checked)
    tab.services.setPlainText("Hope Street Clinic\n\n")
    tab.save()
    assert "Saved: 1 service kinds, 1 activity types and 1 services" in tab.message.text()
    marks = document_review.sensitive_marks(session)
    assert {c.value for c in marks.categories} == {"housing"}
    assert marks.activities == {"parenting_support"} and marks.services == {"Hope Street Clinic"}


def test_a_lock_asked_for_while_the_key_is_being_changed_happens_once_the_new_session_is_in(
    qtbot, session, clock, data_dir, tmp_path
) -> None:
    from setting_app.ui.main_window import MainWindow

    ctx = AppContext(session, clock)
    window = MainWindow(ctx, data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(window)
    window.show()
    old = ctx.suspend("The casebook's key is being changed; try again in a moment.")
    window.lock("idle")  # the idle time ran out during the rotation
    assert not window.locked  # nothing to lock yet: no session
    ctx.set_session(old)  # the rotation's new session arrives
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert not ctx.is_unlocked and not old.is_open
