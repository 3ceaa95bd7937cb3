"""The main window: navigation, roles, placeholders, the family page, Ctrl+N, About, errors, screenshots."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QVBoxLayout

from setting_app import __version__
from setting_app.domain.codes import Domain
from setting_app.domain.errors import AppError, PermissionDenied
from setting_app.domain.models import NewEntry, NewFamily
from setting_app.services import casebook, staff
from setting_app.services.export_keys import export_key_fingerprint
from setting_app.services.families import add_family
from setting_app.services.support_log import log_entry
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from setting_app.storage.unit_of_work import unit_of_work
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.errors import ERROR_LOG_NAME, ErrorHandler
from setting_app.ui.main_window import ComingSoonScreen, MainWindow
from setting_app.ui.screens import NAVIGATION, ScreenSpec, load_class


@pytest.fixture
def window(session, clock, data_dir, qtbot, tmp_path):
    ctx = AppContext(session, clock)
    win = MainWindow(ctx, data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    QThreadPool.globalInstance().waitForDone(5000)


def _nav_labels(win: MainWindow) -> list[str]:
    return [win.nav.item(i).text() for i in range(win.nav.count())]


def practitioner_session(session, data_dir, clock):
    staff.add_user(
        session, "pat", "practitioner", PASSPHRASE, display_name="Pat Practitioner", kdf=TEST_ONLY_FAST_KDF
    )
    return casebook.unlock(data_dir, "pat", PASSPHRASE, clock=clock)


def test_title_status_bar_and_navigation_for_a_manager(window: MainWindow) -> None:
    assert window.windowTitle() == "Family Support Log — Little Acorns Nursery"
    assert "Mina Manager (manager)" in window.user_label.text()
    assert "Little Acorns Nursery" in window.setting_label.text()
    assert _nav_labels(window) == [s.label for s in NAVIGATION]
    assert window.current_key == "dashboard"
    assert window.nav.accessibleName() == "Navigation"


def test_navigation_by_keyboard_shows_each_screen(window: MainWindow, qtbot) -> None:
    window.nav.setFocus()
    seen = []
    for _ in range(len(NAVIGATION) - 1):
        qtbot.keyClick(window.nav, Qt.Key.Key_Down)
        seen.append(window.current_key)
        assert window.stack.currentWidget() is window.screens[window.current_key]
    assert seen == [s.key for s in NAVIGATION[1:]]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.current_key == "dashboard"


def test_practitioners_do_not_see_reports_or_staff_controls(
    session, data_dir, clock, qtbot, tmp_path
) -> None:
    pat = practitioner_session(session, data_dir, clock)
    ctx = AppContext(pat, clock)
    win = MainWindow(ctx, data_dir, log_dir=tmp_path)
    qtbot.addWidget(win)
    assert "Reports" not in _nav_labels(win)
    assert "Pat Practitioner (practitioner)" in win.user_label.text()
    win.show_screen("reports")
    assert win.current_key == "dashboard"
    win.show_screen("settings")
    settings = win.screens["settings"]
    assert not settings.tabs.isTabVisible(settings.tabs.indexOf(settings.staff_tab))
    # ... and the service refuses underneath the hidden controls.
    with pytest.raises(PermissionDenied):
        staff.add_user(pat, "sam", "practitioner", PASSPHRASE, kdf=TEST_ONLY_FAST_KDF)
    QThreadPool.globalInstance().waitForDone(5000)


def test_a_missing_screen_module_or_class_gives_a_placeholder(window: MainWindow) -> None:
    assert load_class("setting_app.ui.screens.not_written_yet", "NotWrittenYet") is None
    assert load_class("setting_app.ui.screens.dashboard", "NoSuchClass") is None
    placeholder = window._make_screen(ScreenSpec("x", "Planning", "setting_app.ui.screens.nope", "Nope"))
    assert isinstance(placeholder, ComingSoonScreen)
    placeholder.refresh()  # does nothing, and does not fail


def test_every_navigation_screen_opens_and_refreshes(window: MainWindow) -> None:
    for spec in NAVIGATION:
        window.show_screen(spec.key)
        assert window.current_key == spec.key
        assert callable(getattr(window.current_screen(), "refresh", None))


def test_opening_a_family_and_going_back(window: MainWindow, session) -> None:
    family = add_family(session, NewFamily(ref="FAM-0001", opened_on=date(2026, 1, 5)))
    window.show_screen("families")
    window.ctx.open_family_requested.emit(family.id)
    assert (window.current_key, window.family_id) == ("family", family.id)
    assert window.nav.currentItem().text() == "Families"
    window.go_back()
    assert window.current_key == "families"


def test_data_changed_refreshes_the_screen_on_show(window: MainWindow, session, qtbot) -> None:
    dashboard = window.screens["dashboard"]
    dashboard.background = False
    family = add_family(session, NewFamily(ref="FAM-0001", opened_on=date(2026, 1, 5)))
    log_entry(session, NewEntry(family.id, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 25))
    window.ctx.data_changed.emit("entries")
    assert dashboard.figures.entries == 1


def test_a_screen_that_follows_data_changes_is_reloaded_once_per_save(window: MainWindow) -> None:
    window.show_screen("log")
    log_screen = window.screens["log"]
    reloads: list[int] = []
    reload_once = log_screen.refresh

    def counting_refresh() -> None:
        reloads.append(1)
        reload_once()

    log_screen.refresh = counting_refresh
    window.ctx.data_changed.emit("entries")
    assert len(reloads) == 1


def test_ctrl_n_opens_one_quick_log_and_a_second_press_raises_it(window: MainWindow, qtbot) -> None:
    if load_class("setting_app.ui.dialogs.quick_log_dialog", "QuickLogDialog") is None:
        pytest.skip("the quick log dialog is not there yet")
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    first = window.quick_log
    assert first is not None and first.isVisible()
    qtbot.keyClick(first, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.quick_log is first
    assert [w for w in QApplication.topLevelWidgets() if type(w) is type(first) and w.isVisible()] == [first]


def test_settings_change_updates_the_title(window: MainWindow, session) -> None:
    from dataclasses import replace

    from setting_app.services.app_settings import update_setting_details

    update_setting_details(session, replace(session.setting, name="Little Oaks Nursery"))
    window.ctx.data_changed.emit("settings")
    assert window.windowTitle() == "Family Support Log — Little Oaks Nursery"


def test_about_shows_version_licence_data_folder_and_export_key(window: MainWindow, data_dir: Path) -> None:
    box = window.show_about()
    assert __version__ in box.text()
    assert str(data_dir) in box.informativeText()
    assert "Licence: MIT" in box.informativeText()
    fingerprint = export_key_fingerprint(window.ctx.session.conn)  # made with the casebook
    assert fingerprint and f"Local authority export key: {fingerprint}" in box.informativeText()
    box.close()


def test_about_says_when_there_is_no_export_key_yet(window: MainWindow, session) -> None:
    from setting_app.services.export_keys import CREATED_SETTING, PRIVATE_KEY_SETTING

    # A casebook made before export keys existed has none until the first LA export.
    with unit_of_work(session.conn):
        for key in (PRIVATE_KEY_SETTING, CREATED_SETTING, f"{PRIVATE_KEY_SETTING}_public"):
            session.conn.execute("DELETE FROM app_settings WHERE key = ?", (key,))
        session.conn.execute("DELETE FROM manager_vault WHERE name = ?", (PRIVATE_KEY_SETTING,))
    box = window.show_about()
    assert "Local authority export key: no export key yet" in box.informativeText()
    box.close()


def test_import_a_spreadsheet_is_in_the_file_menu_for_managers_only(
    window: MainWindow, session, data_dir, clock, qtbot, tmp_path
) -> None:
    if load_class("setting_app.ui.dialogs.csv_import_dialog", "CsvImportDialog") is None:
        pytest.skip("the spreadsheet import dialog is not there yet")
    file_menu = window.menuBar().actions()[0].menu()
    assert window.import_action in file_menu.actions()
    assert window.import_action.isVisible()
    dialog = window.open_csv_import()
    assert dialog is not None and dialog.isVisible() and dialog.parent() is window
    dialog.close()

    pat = practitioner_session(session, data_dir, clock)
    win = MainWindow(AppContext(pat, clock), data_dir, log_dir=tmp_path)
    qtbot.addWidget(win)
    assert not win.import_action.isVisible()
    assert win.open_csv_import() is None
    QThreadPool.globalInstance().waitForDone(5000)


def _boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_an_unexpected_error_shows_a_reference_and_logs_only_the_stack(tmp_path, qtbot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    draft = QLineEdit()
    QVBoxLayout(dialog).addWidget(draft)
    dialog.show()
    qtbot.keyClicks(draft, "half-typed note")
    handler = ErrorHandler(tmp_path / "logs", parent=lambda: dialog)

    def fail() -> None:
        raise ValueError("CANARY-Amelia-Pond-07700900123")

    try:
        fail()
    except ValueError:
        reference = handler.handle(*sys.exc_info())
    assert reference and len(reference) == 8
    box = next(b for b in _boxes() if reference in b.informativeText())
    shown = box.text() + box.informativeText() + box.detailedText()
    assert "Traceback" not in shown and "CANARY" not in shown
    log_text = (tmp_path / "logs" / ERROR_LOG_NAME).read_text()
    assert reference in log_text and "in fail" in log_text and "ValueError" in log_text
    assert "CANARY" not in log_text
    # Nothing was closed: the typed text is still there.
    assert dialog.isVisible() and draft.text() == "half-typed note"
    box.close()


def test_an_app_error_is_a_plain_message_without_a_log_entry(tmp_path, qtbot) -> None:
    handler = ErrorHandler(tmp_path / "logs", parent=lambda: None)
    assert handler.handle(AppError, AppError("The casebook is busy."), None) is None
    box = next(b for b in _boxes() if b.text() == "The casebook is busy.")
    box.close()
    assert not (tmp_path / "logs" / ERROR_LOG_NAME).exists()


def test_the_hook_is_installed_and_removed(tmp_path) -> None:
    before = sys.excepthook
    handler = ErrorHandler(tmp_path)
    handler.install()
    assert sys.excepthook == handler.handle
    handler.uninstall()
    assert sys.excepthook is before


def _distinct_colours(path: Path) -> int:
    image = QImage(str(path))
    assert not image.isNull()
    colours = set()
    for x in range(0, image.width(), max(1, image.width() // 60)):
        for y in range(0, image.height(), max(1, image.height() // 40)):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_gui_screenshots_saves_a_non_blank_png_per_screen(session, cli, tmp_path) -> None:
    family = add_family(session, NewFamily(ref="FAM-0001", opened_on=date(2026, 1, 5)))
    log_entry(session, NewEntry(family.id, date(2026, 11, 20), Domain.FAMILY_WELLBEING, 25, note="Synthetic"))
    session.close()
    out = tmp_path / "shots"

    result = cli("gui", "--screenshots", str(out))

    assert result.code == 0, result.err
    names = sorted(p.name for p in out.glob("*.png"))
    expected_screens = [f"{i + 1:02d}-{s.key}.png" for i, s in enumerate(NAVIGATION)]
    n = len(NAVIGATION)
    # Tabbed screens also get one PNG per tab, under the screen's own number.
    tab_names = [name for name in names if name[:-4] not in {e[:-4] for e in expected_screens}]
    tab_names = [
        name for name in tab_names if not name.startswith(tuple(f"{n + k:02d}-" for k in range(1, 5)))
    ]
    settings_number = [i + 1 for i, s in enumerate(NAVIGATION) if s.key == "settings"][0]
    for tab in ("setting", "staff-accounts", "activity-types", "security"):
        assert f"{settings_number:02d}-settings-{tab}.png" in tab_names
    assert "05-reports-monthly-summary.png" in tab_names
    from setting_app.ui.screens.records_privacy import TABS

    records_tabs = sum(load_class(module, cls) is not None for module, cls, _label in TABS)
    assert len([name for name in tab_names if name.startswith("06-records-")]) == records_tabs
    names_without_tabs = sorted(set(names) - set(tab_names))
    assert names_without_tabs == sorted(
        [
            *expected_screens,
            f"{n + 1:02d}-family-page.png",
            f"{n + 2:02d}-quick-log.png",
            f"{n + 3:02d}-unlock.png",
            f"{n + 4:02d}-first-run.png",
        ]
    )
    for name in names:
        assert _distinct_colours(out / name) > 5, name
    assert QImage(str(out / "01-dashboard.png")).size().toTuple() == (1280, 800)
    assert f"Saved {len(names)} screenshots" in result.out


def test_gui_screenshots_needs_a_user_and_the_right_passphrase(session, cli, tmp_path) -> None:
    session.close()
    no_user = cli("gui", "--screenshots", str(tmp_path / "a"), user=None)
    assert no_user.code == 1 and "--user" in no_user.err
    wrong = cli("gui", "--screenshots", str(tmp_path / "b"), passphrase="not the passphrase")
    assert wrong.code == 1 and "not recognised" in wrong.err
    assert "Traceback" not in no_user.err + wrong.err


def test_screenshot_tab_names_are_stable_words() -> None:
    from setting_app.ui.screenshots import tab_slug

    assert tab_slug("R&etention and erasure") == "retention-and-erasure"
    assert tab_slug("Self-e&valuation") == "self-evaluation"
    assert tab_slug("&Local authority export") == "local-authority-export"
    assert tab_slug("&&") == "tab"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_screenshot_is_owner_only_whatever_the_umask(qtbot, tmp_path) -> None:
    """Screenshots show families' names: 0600 like every file the app writes, even under umask 000
    and over an existing world-readable file."""
    import os
    import stat

    from PySide6.QtWidgets import QLabel

    from setting_app.ui import screenshots

    label = QLabel("Amy Example")
    qtbot.addWidget(label)
    label.show()
    existing = tmp_path / "02-families.png"
    existing.write_bytes(b"old")
    existing.chmod(0o644)
    old = os.umask(0)
    try:
        fresh = screenshots._save(label, tmp_path / "01-dashboard.png")
        replaced = screenshots._save(label, existing)
    finally:
        os.umask(old)
    for path in (fresh, replaced):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert path.read_bytes().startswith(b"\x89PNG")
