"""The event-loop stall watchdog: records stalls over its threshold with the stack that caused them."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog

from setting_app.ui.watchdog import StallWatchdog


def hold_the_ui_thread_up(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def test_a_slow_slot_is_a_stall_named_by_its_stack(qtbot, stall_watchdog: StallWatchdog) -> None:
    QTimer.singleShot(0, lambda: hold_the_ui_thread_up(350))
    with stall_watchdog.action("a slow slot") as timing:
        qtbot.wait(500)
    assert len(stall_watchdog.stalls) == 1
    stall = stall_watchdog.stalls[0]
    assert 330 <= stall.ms < 2000
    assert stall.label == "a slow slot"
    assert "hold_the_ui_thread_up" in stall.where()
    assert timing.worst_gap_ms >= 330
    assert "a slow slot" in stall_watchdog.report()


def test_short_work_and_a_modal_dialog_are_not_stalls(qtbot, stall_watchdog: StallWatchdog) -> None:
    QTimer.singleShot(0, lambda: hold_the_ui_thread_up(40))
    qtbot.wait(100)
    dialog = QDialog()
    QTimer.singleShot(400, dialog.reject)
    with stall_watchdog.action("modal dialog") as timing:
        dialog.exec()  # a nested event loop keeps serving events for 400 ms
    assert stall_watchdog.stalls == []
    assert timing.worst_gap_ms < 200
    assert stall_watchdog.report().startswith("no stall")


def test_synchronous_work_inside_an_action_counts(qtbot, stall_watchdog: StallWatchdog) -> None:
    with stall_watchdog.action("direct call") as timing:
        hold_the_ui_thread_up(260)
    assert timing.worst_gap_ms >= 250
    assert [s.label for s in stall_watchdog.stalls] == ["direct call"]
