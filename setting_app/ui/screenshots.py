"""``setting-app gui --screenshots DIR``: every screen, offscreen, one PNG each, then exit.

For support staff (what does this person's app look like?) and packaging smoke tests (does the
frozen app draw its screens?). It never waits for a person: no dialog is run modally.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QSize, QThreadPool
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError
from setting_app.services import casebook
from setting_app.storage import family_repo
from setting_app.storage.family_repo import FamilyFilter
from setting_app.storage.fsutil import make_private_dirs, write_private_file

from setting_app.ui.context import AppContext
from setting_app.ui.dialogs.first_run_wizard import FirstRunWizard
from setting_app.ui.dialogs.unlock_dialog import UnlockDialog
from setting_app.ui.main_window import MainWindow
from setting_app.ui.screens import visible_screens

log = logging.getLogger("setting_app.ui")

PASSPHRASE_ENV = "SETTING_APP_PASSPHRASE"
WINDOW_SIZE = QSize(1280, 800)


def settle(ms: int = 120) -> None:
    """Let the window lay itself out and background work (dashboard figures) arrive."""
    app = QApplication.instance()
    deadline = time.monotonic() + ms / 1000
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        QThreadPool.globalInstance().waitForDone(5_000)
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if time.monotonic() >= deadline and QThreadPool.globalInstance().activeThreadCount() == 0:
            break
        time.sleep(0.01)
    for _ in range(3):  # the layout requests posted by the last results
        app.processEvents()


def _fill_in(page: QWidget, timeout_s: float = 30.0) -> None:
    """A report panel that starts empty (monthly summary, LA export preview) is made first, so the
    picture shows a report. Such panels have ``generate()``, an ``is_busy`` property and their result
    (``summary`` or ``export``), None until made."""
    generate = getattr(page, "generate", None)
    if not callable(generate) or not isinstance(getattr(type(page), "is_busy", None), property):
        return
    if any(getattr(page, result, None) is not None for result in ("summary", "export")):
        return  # made already
    try:
        generate()
    except AppError as error:
        log.info("screenshot: the report was not made (%s)", type(error).__name__)
        return
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while getattr(page, "is_busy", False) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def tab_slug(label: str) -> str:
    """``"R&etention and erasure"`` → ``"retention-and-erasure"``."""
    words = re.sub(r"[^a-z0-9]+", "-", label.replace("&", "").lower())
    return words.strip("-") or "tab"


def _save(widget: QWidget, path: Path) -> Path:
    settle()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buffer, "PNG"):
        raise AppError(f"Could not save the screenshot {path}.")
    buffer.close()
    try:  # owner-only whatever the umask: a screenshot shows families' names
        write_private_file(path, bytes(data.data()))
    except OSError as exc:
        raise AppError(f"Could not save the screenshot {path}: {exc.strerror or exc}.") from None
    return path


def take_screenshots(data_dir: Path, out_dir: Path, *, user: str | None, clock: Clock = SYSTEM_CLOCK) -> int:
    if not user:
        raise AppError("Say which staff account to use for the screenshots with --user NAME.")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase:
        raise AppError(f"Set {PASSPHRASE_ENV} to the passphrase of --user {user} to take screenshots.")
    session = casebook.unlock(data_dir, user, passphrase, clock=clock)
    try:
        make_private_dirs(out_dir)
    except OSError as error:
        session.close()
        raise AppError(f"Could not make the folder {out_dir} ({error.strerror}).") from None
    saved: list[Path] = []
    tab_files: list[Path] = []

    def name(label: str) -> Path:
        return out_dir / f"{len(saved) + 1:02d}-{label}.png"

    def tab_shots(screen: QWidget, stem: str) -> None:
        """One PNG per tab of a tabbed screen, named after the screen's own file and the tab.

        The number is the screen's, so the names of later screens do not move when a tab is added.
        """
        tabs = getattr(screen, "tabs", None)
        if not isinstance(tabs, QTabWidget):
            return
        for index in range(tabs.count()):
            if not tabs.isTabVisible(index):
                continue
            tabs.setCurrentIndex(index)
            _fill_in(tabs.widget(index))
            tab_files.append(_save(window, out_dir / f"{stem}-{tab_slug(tabs.tabText(index))}.png"))
        tabs.setCurrentIndex(0)

    ctx = AppContext(session, clock)
    window = MainWindow(ctx, data_dir)
    window.idle.stop()  # never lock while taking pictures
    try:
        window.resize(WINDOW_SIZE)
        window.show()
        for spec in visible_screens(session.user.is_manager):
            window.show_screen(spec.key)
            tabs = getattr(window.current_screen(), "tabs", None)
            if isinstance(tabs, QTabWidget):
                _fill_in(tabs.currentWidget())
            path = _save(window, name(spec.key))
            saved.append(path)
            tab_shots(window.current_screen(), path.stem)
        first = family_repo.list_families(session.conn, FamilyFilter(), offset=0, limit=1)
        if first:
            window.show_family(first[0].id)
            saved.append(_save(window, name("family-page")))
        dialog = window.open_quick_log(first[0].id if first else None)
        if dialog is not None:
            saved.append(_save(dialog, name("quick-log")))
            dialog.close()
    finally:
        settle(0)
        window.close()
        window.deleteLater()

    unlock = UnlockDialog(data_dir, clock, username=user)
    unlock.show()
    saved.append(_save(unlock, name("unlock")))
    unlock.close()
    unlock.deleteLater()

    with tempfile.TemporaryDirectory() as empty:
        wizard = FirstRunWizard(Path(empty) / "new-casebook", clock)
        wizard.resize(720, 560)
        wizard.show()
        saved.append(_save(wizard, name("first-run")))
        wizard.close()
        wizard.deleteLater()
    settle(0)
    log.info("saved %d screenshots", len(saved) + len(tab_files))
    return 0
