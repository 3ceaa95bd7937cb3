"""Every UI test runs under the event-loop stall watchdog (issue 25).

Each stall of the UI thread over 200 ms while a test body runs is listed at the end of the run with
the test's name and the stack that held the thread up (``setting_app.ui.watchdog``). Test bodies
that do slow set-up work themselves show up too: the stack says whose code it was. Set
``SETTING_APP_STALL_REPORT=0`` to turn the watchdog off.

The ``stall_watchdog`` fixture gives a test its own watchdog to assert on.
"""

from __future__ import annotations

import os

import pytest

from setting_app.ui.watchdog import StallWatchdog

_found: list[tuple[str, str]] = []


def _enabled() -> bool:
    return os.environ.get("SETTING_APP_STALL_REPORT", "1") != "0"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    from PySide6.QtWidgets import QApplication

    watchdog = None
    if _enabled() and QApplication.instance() is not None:
        watchdog = StallWatchdog().start()
    try:
        yield
    finally:
        if watchdog is not None:
            watchdog.stop()
            for stall in watchdog.stalls:
                _found.append((item.nodeid, stall.describe()))


def pytest_terminal_summary(terminalreporter) -> None:
    if not _found:
        return
    terminalreporter.section(f"UI thread stalls over 200 ms ({len(_found)})")
    for nodeid, text in _found:
        terminalreporter.write_line(f"{nodeid}: {text}")


@pytest.fixture
def stall_watchdog(qapp):
    watchdog = StallWatchdog().start()
    yield watchdog
    watchdog.stop()
