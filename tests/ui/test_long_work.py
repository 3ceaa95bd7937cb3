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
