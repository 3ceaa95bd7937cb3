"""Start-up: first-run wizard or unlock, then the main window.

``run_app`` is what ``setting-app`` (or ``setting-app gui``) runs. With ``screenshots_dir`` it
instead visits every screen offscreen and saves one PNG each (see ``screenshots.py``).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from setting_app.domain.clock import SYSTEM_CLOCK, Clock
from setting_app.domain.errors import AppError
from setting_app.services.casebook import casebook_exists
from setting_app.storage.instance_lock import InstanceLock

log = logging.getLogger("setting_app.ui")

APP_NAME = "Family Support Log"


class NoDisplay(AppError):
    pass


X11_SOCKETS = Path("/tmp/.X11-unix")
LOCAL_X_DISPLAY = re.compile(r"^:(\d+)(\.\d+)?$")
WHAT_TO_DO = (
    "Start it from the desktop or over 'ssh -X', or run 'xvfb-run setting-app' for a virtual screen; "
    "'setting-app gui --screenshots DIR' saves every screen as pictures without one."
)


def no_display_message(
    environ: Mapping[str, str] | None = None, platform: str | None = None, x11_sockets: Path = X11_SOCKETS
) -> str | None:
    """Why a window cannot open here, in one line, or None if it can (or Qt was told where to draw).

    Without this, Qt on Linux with no X or Wayland display aborts the process (exit 134) after a
    hint about libxcb-cursor0, which is not the cause. The same abort follows a DISPLAY naming a
    local X server that is not running (":1" after the session ended), which shows as a missing
    socket in /tmp/.X11-unix; remote displays ("localhost:10" over ssh -X) are left to Qt. Windows
    and macOS always have a screen plugin.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform in ("win32", "darwin") or platform.startswith("cygwin"):
        return None
    if environ.get("WAYLAND_DISPLAY") or environ.get("QT_QPA_PLATFORM"):
        return None
    display = environ.get("DISPLAY") or ""
    if not display:
        return f"There is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). {WHAT_TO_DO}"
    local = LOCAL_X_DISPLAY.match(display)
    if local and not (x11_sockets / f"X{local.group(1)}").exists():
        return (
            f"There is no display to open the window on: no X server is running for DISPLAY={display}. "
            f"{WHAT_TO_DO}"
        )
    return None


# What a Qt platform plugin says when asked to do what it cannot (the offscreen one used for
# screenshots has no window manager to raise a window or pass size hints to): nothing to act on.
UNSUPPORTED_BY_PLATFORM = re.compile(r"^This plugin does not support \w+\(\)$")
_previous_handler = None
_quietened = False


def quieten_platform_notices() -> None:
    """Drop the platform plugin's "does not support ..." notices; every other Qt message goes on
    to the handler before (or to stderr, as Qt's own handler would). Once per process."""
    global _previous_handler, _quietened
    if _quietened:
        return
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message: str) -> None:
        if UNSUPPORTED_BY_PLATFORM.match(message):
            return
        if _previous_handler is not None:
            _previous_handler(mode, context, message)
        elif sys.stderr is not None:
            sys.stderr.write(message + "\n")

    _previous_handler = qInstallMessageHandler(handler)
    _quietened = True


# Held while the app is open, so that Inno Setup (AppMutex in packaging/windows/setting_app.iss) sees
# it running, in this session or another user's, and asks for it to be closed before an upgrade or
# uninstall. One instance per casebook is the instance lock's job (storage/instance_lock.py).
APP_MUTEX_NAMES = ("FamilySupportLog.Running", "Global\\FamilySupportLog.Running")
_mutex_handles: list[int] = []


def announce_running(platform: str | None = None) -> list[int]:
    """On Windows, create the named mutexes the installer looks for (kept until the process ends);
    elsewhere nothing. A name that cannot be created (Global\\ in a locked-down session) is skipped."""
    if (platform or sys.platform) != "win32" or _mutex_handles:
        return list(_mutex_handles)
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateMutexW.restype = ctypes.c_void_p
    kernel32.CreateMutexW.argtypes = (ctypes.c_void_p, ctypes.c_bool, ctypes.c_wchar_p)
    for name in APP_MUTEX_NAMES:
        handle = kernel32.CreateMutexW(None, False, name)
        if handle:
            _mutex_handles.append(handle)
    return list(_mutex_handles)


def _application():
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from setting_app.paths import resource_path

    quieten_platform_notices()
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        app.setOrganizationName("setting-app")
        icon = resource_path("icon.svg")
        if icon.exists():
            app.setWindowIcon(QIcon(str(icon)))
    return app


def run_app(
    data_dir: Path,
    *,
    user: str | None = None,
    screenshots_dir: Path | None = None,
    clock: Clock | None = None,
) -> int:
    clock = clock or SYSTEM_CLOCK
    if screenshots_dir is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication exists
        from setting_app.ui.screenshots import take_screenshots

        _application()
        with InstanceLock(data_dir):
            return take_screenshots(data_dir, screenshots_dir, user=user, clock=clock)
    problem = no_display_message()
    if problem:
        raise NoDisplay(problem)  # before Qt, which would abort the whole process
    app = _application()
    announce_running()
    try:
        instance_lock = InstanceLock(data_dir).acquire()
    except AppError as error:
        _startup_error(error)
        return 1
    try:
        warn_if_network_share(data_dir)
        return _run_interactive(app, data_dir, user, clock)
    finally:
        instance_lock.release()


def warn_if_network_share(data_dir: Path, *, mounts: Path | None = None, show=None) -> str | None:
    """Once per start, before the casebook opens: say so if its folder is on a network share."""
    from setting_app.storage.database import network_share_warning

    warning = network_share_warning(data_dir, **({"mounts": mounts} if mounts is not None else {}))
    if warning:
        (show or _startup_warning)(warning)
    return warning


def _startup_warning(text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(None, APP_NAME, text)  # nothing else is open yet: blocking is fine


def _startup_error(error: AppError) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(None, APP_NAME, error.message)  # nothing else is open yet: blocking is fine


def start_dialog(data_dir: Path, clock: Clock, user: str | None = None):
    """What start-up shows first: the first-run wizard if there is no casebook, else the unlock form."""
    from setting_app.ui.dialogs.first_run_wizard import FirstRunWizard
    from setting_app.ui.dialogs.unlock_dialog import UnlockDialog

    if not casebook_exists(data_dir):
        return FirstRunWizard(data_dir, clock)
    return UnlockDialog(data_dir, clock, username=user or "")


def _run_interactive(app, data_dir: Path, user: str | None, clock: Clock) -> int:
    from PySide6.QtWidgets import QDialog

    from setting_app.ui.context import AppContext
    from setting_app.ui.dialogs.first_run_wizard import FirstRunWizard
    from setting_app.ui.errors import ErrorHandler, default_log_dir, setup_app_log
    from setting_app.ui.main_window import MainWindow

    log_dir = default_log_dir()
    setup_app_log(log_dir)
    errors = ErrorHandler(log_dir)
    errors.install()
    log.info("started")
    try:
        dialog = start_dialog(data_dir, clock, user)
        if isinstance(dialog, FirstRunWizard):
            dialog.exec()
            session = dialog.session  # set once the casebook exists, even if the wizard was then closed
        else:
            session = dialog.session if dialog.exec() == QDialog.DialogCode.Accepted else None
        if session is None:
            return 0
        ctx = AppContext(session, clock)
        window = MainWindow(ctx, data_dir, log_dir=log_dir)
        window.show()
        return app.exec()
    finally:
        errors.uninstall()
        log.info("stopped")
