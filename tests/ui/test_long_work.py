"""Issue 25: long work runs off the UI thread, with progress (the audit trail's check)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QThreadPool

from setting_app.services import audit

from setting_app.ui.context import AppContext
from setting_app.ui.screens.audit_tab import AuditTab


def test_the_audit_check_runs_on_a_worker_thread_with_progress(qtbot, session, monkeypatch) -> None:
    tab = AuditTab(AppContext(session, session.clock))
    qtbot.addWidget(tab)
    tab.show()
    ui_thread = threading.get_ident()
    ran_on: list[int] = []
    release = threading.Event()
    real_verify = audit.verify

    def slow_verify(s):
        ran_on.append(threading.get_ident())
        release.wait(5)  # the check takes seconds on a ten-year casebook
        return real_verify(s)

    monkeypatch.setattr(audit, "verify", slow_verify)
    qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    # The click returned at once: the UI thread is free, the progress shows, a second click waits.
    assert tab.check_progress.isVisible() and not tab.check_button.isEnabled()
    assert "Checking the audit trail" in tab.check_result.text()
    assert tab.start_check() is None
    qtbot.waitUntil(lambda: bool(ran_on), timeout=3000)
    assert ran_on[0] != ui_thread
    release.set()
    qtbot.waitUntil(lambda: "whole" in tab.check_result.text(), timeout=5000)
    assert not tab.check_progress.isVisible() and tab.check_button.isEnabled()
    QThreadPool.globalInstance().waitForDone(5000)


def test_a_costly_unlock_runs_on_a_worker_thread(
    qtbot, session, clock, data_dir, tmp_path, monkeypatch
) -> None:
    from setting_app.services import casebook
    from tests.conftest import PASSPHRASE

    from setting_app.ui.dialogs import unlock_dialog
    from setting_app.ui.main_window import MainWindow

    window = MainWindow(AppContext(session, clock), data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(window)
    window.show()
    window.lock("test")
    monkeypatch.setattr(unlock_dialog, "BACKGROUND_KDF_COST", 0)  # as with the production Argon2id
    threads: list[int] = []
    real_unlock = casebook.unlock

    def recording_unlock(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_unlock(*args, **kwargs)

    monkeypatch.setattr(casebook, "unlock", recording_unlock)
    panel = window.lock_panel
    panel.passphrase.setText(PASSPHRASE)
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    # The key press returned before the key derivation: still locked, the form busy and emptied.
    assert window.locked and panel.busy and panel.passphrase.text() == ""
    assert not panel.unlock_button.isEnabled()
    qtbot.waitUntil(lambda: not window.locked, timeout=5000)
    assert threads and threads[0] != threading.get_ident()
    assert not panel.busy
    # The session works on the UI thread (its own connection, not the worker's).
    assert window.ctx.session.conn.execute("SELECT count(*) FROM families").fetchone()[0] >= 0
    # A manager signed in on the worker thread is still a manager on the UI thread: the manager key
    # comes across with the data key (else the app would sign in every manager as a practitioner).
    assert window.ctx.session.has_manager_key and window.ctx.session.user.is_manager
    window.ctx.session.require_manager("sign a return")
    window.lock("again")
    panel.passphrase.setText("not the passphrase")
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    assert window.locked and panel.error.isVisibleTo(panel) and panel.error.text()
    QThreadPool.globalInstance().waitForDone(5000)


def test_screens_modules_are_imported_while_the_person_is_idle(qtbot, tmp_path, monkeypatch) -> None:
    import sys

    from setting_app.ui.main_window import ImportWarmer, warm_up_modules

    (tmp_path / "warm_me_25.py").write_text("VALUE = 25\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(ImportWarmer, "IDLE_MS", 150)
    monkeypatch.setattr(ImportWarmer, "TICK_MS", 10)
    warmer = ImportWarmer(["warm_me_25", "no_such_module_25"])
    warmer.start()
    for _ in range(10):  # someone typing: nothing is imported between their keys
        warmer.touch()
        qtbot.wait(20)
    assert "warm_me_25" not in sys.modules
    qtbot.waitUntil(lambda: not warmer.pending and not warmer._timer.isActive(), timeout=3000)
    assert "warm_me_25" in sys.modules  # and a module that is not there was only logged
    sys.modules.pop("warm_me_25")
    names = warm_up_modules()
    assert "setting_app.ui.screens.transfer_tab" in names and "setting_app.ui.screens.log" in names


def test_an_agreements_details_list_only_its_newest_shares(qtbot, tmp_path, clock, monkeypatch) -> None:
    from setting_app.services import agreements, casebook
    from setting_app.services.demo import build_demo
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
    from tests.conftest import PASSPHRASE

    from setting_app.ui.screens import agreements_tab
    from setting_app.ui.screens.agreements_tab import AgreementsTab

    build_demo(
        tmp_path / "demo", families=30, months=12, passphrase=PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    session = casebook.unlock(tmp_path / "demo", "demo", PASSPHRASE, clock=clock)
    busiest = max(
        agreements.list_agreements(session), key=lambda a: len(agreements.shares_covered(session, a.id))
    )
    total = len(agreements.shares_covered(session, busiest.id))
    assert total >= 3
    monkeypatch.setattr(agreements_tab, "SHARES_SHOWN", 2)
    tab = AgreementsTab(AppContext(session, clock))
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    tab.select(busiest.id)
    details = tab.details.toPlainText()
    assert "Shares it covers: more than 2" in details
    assert "the newest 2 are shown" in details
    session.close()


def test_records_tabs_are_made_when_first_shown(qtbot, session, clock) -> None:
    from setting_app.ui.screens.records_privacy import RecordsScreen
    from setting_app.ui.screens.subject_access_tab import SubjectAccessTab

    screen = RecordsScreen(AppContext(session, clock))
    qtbot.addWidget(screen)
    screen.show()
    assert list(screen._made) == [0] and isinstance(screen.current_page(), AuditTab)
    index = next(
        i for i in range(screen.tabs.count()) if "Subject access" in screen.tabs.tabText(i).replace("&", "")
    )
    screen.tabs.setCurrentIndex(index)
    assert isinstance(screen.current_page(), SubjectAccessTab) and set(screen._made) == {0, index}
    assert screen.current_page().isVisible()
    assert len(screen.pages) == screen.tabs.count() == len(screen._made)


def test_a_spreadsheet_import_runs_on_a_worker_thread_with_progress(
    qtbot, session, clock, monkeypatch
) -> None:
    from setting_app.services import csv_import, support_log
    from tests.test_csv_import import TIDY, add_families

    from setting_app.ui.dialogs.csv_import_dialog import CsvImportDialog

    add_families(session)
    ctx = AppContext(session, clock)
    dialog = CsvImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.load_file(TIDY) and dialog.import_button.isEnabled()
    before = support_log.count_entries(session)
    threads: list[int] = []
    release = threading.Event()
    real_import = csv_import.import_entries

    def slow_import(*args, **kwargs):
        threads.append(threading.get_ident())
        release.wait(5)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(csv_import, "import_entries", slow_import)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.importing and not dialog.import_button.isEnabled() and not dialog.check_button.isEnabled()
    assert dialog.status.text().startswith("Importing")
    assert dialog.import_entries() is None  # a second press while importing does nothing
    with qtbot.waitSignal(dialog.imported, timeout=5000) as signal:
        release.set()
    assert threads and threads[0] != threading.get_ident()
    assert support_log.count_entries(session) == before + signal.args[0] > before
    assert not dialog.importing and dialog.status.text().startswith("Imported")


def test_the_dashboard_lists_only_the_most_overdue_referrals(qtbot, tmp_path, clock, monkeypatch) -> None:
    from setting_app.services import casebook
    from setting_app.services import referrals as referral_service
    from setting_app.services.demo import build_demo
    from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
    from tests.conftest import PASSPHRASE

    from setting_app.ui.widgets import referrals_due_panel
    from setting_app.ui.widgets.referrals_due_panel import ReferralsDuePanel

    build_demo(
        tmp_path / "demo", families=40, months=12, passphrase=PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    session = casebook.unlock(tmp_path / "demo", "demo", PASSPHRASE, clock=clock)
    due = referral_service.referrals_due(session, clock.today())
    assert len(due) > 2
    monkeypatch.setattr(referrals_due_panel, "SHOWN", 2)
    panel = ReferralsDuePanel(AppContext(session, clock))
    qtbot.addWidget(panel)
    panel.refresh()
    assert [r.id for r in panel.referrals()] == [r.id for r in due[:2]]
    assert panel.title.text().startswith(f"Referrals to chase today: {len(due)}")
    assert panel.title.text().endswith("; the 2 most overdue are listed")
    session.close()
