"""Issue 25: a seeded GUI monkey on a demo casebook (offscreen): no crash, no unexpected-error dialog,
every action answered in time, quick-log text intact across lock and hide.

The bound here is generous (CI machines are shared and slow); the benchmark runs a longer monkey on
the ten-year casebook and reports the worst action against the issue's 300 ms. Set
``SETTING_APP_MONKEY_ACTIONS`` / ``SETTING_APP_MONKEY_SEED`` to run a longer or another monkey.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from bench.monkey import Monkey
from setting_app.services import casebook
from setting_app.services.demo import build_demo
from setting_app.storage.keyslots import TEST_ONLY_FAST_KDF
from tests.conftest import PASSPHRASE

from setting_app.ui.context import AppContext
from setting_app.ui.errors import ErrorHandler
from setting_app.ui.main_window import MainWindow

ACTIONS = int(os.environ.get("SETTING_APP_MONKEY_ACTIONS", "300"))
SEEDS = [int(os.environ.get("SETTING_APP_MONKEY_SEED", "25"))]
#: The issue asks for 300 ms; a shared CI machine under load gets twice that (the benchmark judges 300).
CI_BOUND_MS = float(os.environ.get("SETTING_APP_MONKEY_BOUND_MS", "1000"))


@pytest.fixture
def demo_window(tmp_path: Path, clock, qtbot, monkeypatch):
    data_dir = tmp_path / "demo"
    build_demo(
        data_dir, families=40, months=6, seed=3, passphrase=PASSPHRASE, kdf=TEST_ONLY_FAST_KDF, clock=clock
    )
    # Anything written "next to the casebook" or into Documents stays in the test's folder.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path)
    session = casebook.unlock(data_dir, "demo", PASSPHRASE, clock=clock)
    window = MainWindow(AppContext(session, clock), data_dir, log_dir=tmp_path / "logs")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    handler = ErrorHandler(tmp_path / "logs")
    previous = sys.excepthook
    handler.install()
    yield window, handler
    sys.excepthook = previous
    QThreadPool.globalInstance().waitForDone(10_000)
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_monkey(demo_window, seed: int, stall_watchdog, qtbot) -> None:
    window, handler = demo_window
    monkey = Monkey(window, PASSPHRASE, seed=seed, watchdog=stall_watchdog)
    result = monkey.run(ACTIONS, timeout_s=240)
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(50)
    print(result.summary())
    for label, ms in sorted(result.latencies, key=lambda item: -item[1])[:5]:
        print(f"  {ms:7.0f} ms  {label}")
    assert result.actions == ACTIONS, result.summary()
    assert handler.last_reference is None, f"unexpected error {handler.last_reference}: see {handler.log_dir}"
    assert result.unexpected == []
    assert result.quick_log_lost == []
    assert result.locks >= 3 and result.hides >= 3 and result.quick_log_checks >= 3, result.summary()
    slow = result.slow(CI_BOUND_MS)
    assert slow == [], f"{result.summary()}\n{stall_watchdog.report()}"
    assert window.isVisible()
    assert not window.locked or window.lock_panel.isVisible()
