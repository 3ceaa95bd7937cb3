"""Auto-lock by wall clock, Ctrl+L, unlocking back to the same place, and the blank-screen key."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QDialog, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from setting_app.services import app_settings, casebook, staff
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.unlock_dialog import UnlockPanel
from setting_app.ui.idle_lock import ActivityFilter, Cover, IdleLock
from setting_app.ui.main_window import MainWindow


@pytest.fixture
def window(session, clock, data_dir, qtbot, tmp_path):
    ctx = AppContext(session, clock)
    win = MainWindow(ctx, data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    QThreadPool.globalInstance().waitForDone(5000)


def draft_dialog(parent: QWidget, qtbot, text: str) -> tuple[QDialog, QPlainTextEdit]:
    """A stand-in for any window with half-typed text in it."""
    dialog = QDialog(parent)
    note = QPlainTextEdit()
    QVBoxLayout(dialog).addWidget(note)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(note, text)
    return dialog, note


def unlock_with(panel: UnlockPanel, qtbot, passphrase: str = PASSPHRASE, username: str | None = None) -> None:
    if username is not None:
        panel.username.setText(username)
    panel.passphrase.setText(passphrase)
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)


def test_idle_time_is_wall_clock_time(clock, qtbot) -> None:
    idle = IdleLock(clock, minutes=5, tick_ms=60_000)
    idle.start()
    clock.advance(minutes=4, seconds=59)
    assert idle.check() is False
    # A suspended PC: no tick ran while it slept, but the wall clock moved on.
    clock.advance(seconds=1)
    with qtbot.waitSignal(idle.timed_out, timeout=1000):
        assert idle.check() is True
    assert not idle.running
    assert idle.check() is False  # fires once


def test_input_resets_the_idle_time(clock, qtbot) -> None:
    idle = IdleLock(clock, minutes=5)
    activity = ActivityFilter()
    activity.activity.connect(idle.touch)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.installEventFilter(activity)
    idle.start()
    clock.advance(minutes=4)
    qtbot.keyClick(edit, Qt.Key.Key_A)
    assert idle.last_activity == clock.now()
    clock.advance(minutes=4)
    assert idle.check() is False


def test_auto_lock_uses_the_managers_setting_and_drops_the_key(window: MainWindow, session, clock) -> None:
    app_settings.set_auto_lock_minutes(session, 3)
    window.ctx.data_changed.emit("settings")
    assert window.idle.minutes == 3
    window.show_screen("settings")
    clock.advance(minutes=3)
    window.idle.check()
    assert window.locked
    assert not session.is_open  # connection closed, key wiped
    assert not window.ctx.is_unlocked
    assert window.stack.currentWidget() is window.lock_page
    assert window.nav.isHidden() and window.toolbar.isHidden()
    assert window.lock_panel.username.text() == "manager"


def test_ctrl_l_locks_and_unlocking_returns_to_the_same_screen_and_windows(window: MainWindow, qtbot) -> None:
    window.show_screen("settings")
    quick = window.open_quick_log()
    if quick is not None:
        qtbot.keyClicks(quick.note, "Mum asked about the food bank")
    dialog, note = draft_dialog(window, qtbot, "half-typed words")

    qtbot.keyClick(note, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert window.locked
    assert not dialog.isVisible()
    assert quick is None or not quick.isVisible()
    unlock_with(window.lock_panel, qtbot)
    assert not window.locked and window.ctx.is_unlocked
    assert window.current_key == "settings"
    assert window.stack.currentWidget() is window.screens["settings"]
    assert dialog.isVisible() and note.toPlainText() == "half-typed words"
    if quick is not None:
        assert quick.isVisible() and quick.note.toPlainText() == "Mum asked about the food bank"
    assert window.idle.running


def test_a_wrong_passphrase_keeps_the_username_and_the_lock(window: MainWindow, qtbot) -> None:
    window.lock()
    unlock_with(window.lock_panel, qtbot, passphrase="wrong passphrase")
    assert window.locked
    assert "not recognised" in window.lock_panel.error.text()
    assert window.lock_panel.error.isVisible()
    assert window.lock_panel.passphrase.text() == ""
    assert window.lock_panel.username.text() == "manager"


def test_another_person_can_unlock_and_sees_their_own_screens(window: MainWindow, session, qtbot) -> None:
    staff.add_user(session, "pat", "practitioner", PASSPHRASE, display_name="Pat", kdf=TEST_ONLY_FAST_KDF)
    window.show_screen("reports")
    window.lock()
    unlock_with(window.lock_panel, qtbot, username="pat")
    assert window.ctx.user.username == "pat"
    assert "Reports" not in [window.nav.item(i).text() for i in range(window.nav.count())]
    assert window.current_key == "dashboard"
    assert "Pat (practitioner)" in window.user_label.text()


def test_input_is_kept_from_everything_but_the_unlock_form(window: MainWindow, qtbot) -> None:
    dialog, note = draft_dialog(window, qtbot, "draft")
    window.lock()
    dialog.show()  # even if something shows it again, typing does not reach it
    qtbot.keyClicks(note, "xyz")
    assert note.toPlainText() == "draft"
    qtbot.keyClicks(window.lock_panel.passphrase, "abc")
    assert window.lock_panel.passphrase.text() == "abc"


def test_a_modal_dialog_survives_the_lock_without_being_cancelled(window: MainWindow, qtbot) -> None:
    dialog = QDialog(window)
    edit = QLineEdit()
    QVBoxLayout(dialog).addWidget(edit)
    seen = {}

    def while_open() -> None:
        qtbot.keyClicks(edit, "new family notes")
        qtbot.keyClick(edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # works over a modal
        seen["locked"] = window.locked
        covers = dialog.findChildren(Cover)
        seen["covered"] = len(covers) == 1 and covers[0].isVisible() and dialog.isVisible()
        panel = covers[0].findChild(UnlockPanel)
        unlock_with(panel, qtbot)
        seen["unlocked"] = not window.locked
        seen["cover_gone"] = not any(c.isVisible() for c in dialog.findChildren(Cover))
        dialog.accept()

    QTimer.singleShot(0, while_open)
    result = dialog.exec()

    assert seen == {"locked": True, "covered": True, "unlocked": True, "cover_gone": True}
    assert result == QDialog.DialogCode.Accepted
    assert edit.text() == "new family notes"


def test_the_blank_key_covers_every_window_and_the_same_key_uncovers(window: MainWindow, qtbot) -> None:
    dialog, note = draft_dialog(window, qtbot, "private words")
    qtbot.keyClick(note, Qt.Key.Key_F12)
    assert window.blanked
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    covers = window.findChildren(Cover, options=direct) + dialog.findChildren(Cover, options=direct)
    assert len(covers) == 2 and all(c.isVisible() for c in covers)
    assert (
        window.findChildren(Cover, options=direct)[0].geometry() == window.rect()
    )  # menus and status bar too
    qtbot.keyClicks(note, "typed while hidden")
    assert note.toPlainText() == "private words"
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert not window.blanked
    assert not any(c.isVisible() for c in window.findChildren(Cover) + dialog.findChildren(Cover))
    qtbot.keyClick(note, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.blanked
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert not window.blanked
    assert window.ctx.is_unlocked  # blanking is not locking
    assert note.toPlainText() == "private words"


def test_unlocking_after_a_long_suspend_still_asks_for_the_passphrase(
    window: MainWindow, clock, data_dir, qtbot
) -> None:
    clock.advance(hours=10)
    window.idle.check()
    assert window.locked
    with pytest.raises(Exception, match="not recognised"):
        casebook.unlock(data_dir, "manager", "wrong passphrase", clock=clock)
    assert window.locked and not window.ctx.is_unlocked
    clock.advance(seconds=60)  # past the growing delay after one wrong try
    unlock_with(window.lock_panel, qtbot)
    assert not window.locked and window.ctx.user.username == "manager"
