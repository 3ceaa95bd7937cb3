"""How the desktop app shows failures.

An ``AppError`` is something staff can act on: its plain message goes in a message box. Anything
else is a bug: the person sees a short reference and the stack (code locations only, never the
exception's message, which can quote record contents) goes to a log file for support. No window is
closed, so text a person was typing survives.

Message boxes are opened with ``open()`` (no nested event loop), so auto-lock can hide and re-show them.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from setting_app.domain.errors import AppError
from setting_app.paths import default_data_dir
from setting_app.storage.fsutil import append_private, ensure_private_dir, make_private, private_umask

log = logging.getLogger("setting_app.ui")

ERROR_LOG_NAME = "errors.log"
APP_LOG_NAME = "app.log"

_open_boxes: set[QMessageBox] = set()


def default_log_dir() -> Path:
    """Beside the data folder, in the user's own data area (the same place the command line uses)."""
    return default_data_dir().parent / "setting-app-logs"


def new_reference() -> str:
    return uuid.uuid4().hex[:8].upper()


def write_crash_report(
    log_dir: Path, reference: str, exc_type: type[BaseException] | None, tb: TracebackType | None
) -> None:
    """Append the reference, the stack and the exception's type name: no message, no data."""
    try:
        ensure_private_dir(log_dir)
        lines = [f"--- reference {reference}\n"]
        for frame in traceback.extract_tb(tb):  # locations only: not even the source line
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n')
        lines.append(f"{exc_type.__name__ if exc_type else 'Error'}\n")
        append_private(log_dir / ERROR_LOG_NAME, "".join(lines))  # 0600 even if it was made looser
    except OSError:
        pass


def setup_app_log(log_dir: Path) -> Path | None:
    """The app's own log (start, lock, unlock, error references): events only, never record contents."""
    try:
        ensure_private_dir(log_dir)
        path = log_dir / APP_LOG_NAME
        with private_umask():
            handler = logging.FileHandler(path, encoding="utf-8")
        make_private(path)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("setting_app")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def _message_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, informative: str = ""
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if informative:
        box.setInformativeText(informative)
    box.setAccessibleName(title)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    _open_boxes.add(box)  # a box without a parent would otherwise be garbage-collected at once
    box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.open()  # window-modal, no nested event loop
    return box


def show_app_error(parent: QWidget | None, error: AppError, title: str = "Could not do that") -> QMessageBox:
    """A plain message the person can act on."""
    return _message_box(parent, QMessageBox.Icon.Warning, title, error.message)


def show_unexpected_error(parent: QWidget | None, reference: str) -> QMessageBox:
    return _message_box(
        parent,
        QMessageBox.Icon.Critical,
        "Something went wrong",
        "Something went wrong that should not have. Nothing you typed has been thrown away, and "
        "everything saved before is safe.",
        f"Please tell your support contact this reference: {reference}",
    )


def _active_parent() -> QWidget | None:
    app = QApplication.instance()
    if app is None:
        return None
    return app.activeModalWidget() or app.activeWindow()


class ErrorHandler:
    """Catches what nothing else caught (Qt slots included) via ``sys.excepthook``."""

    def __init__(self, log_dir: Path, parent: Callable[[], QWidget | None] = _active_parent) -> None:
        self.log_dir = log_dir
        self._parent = parent
        self._previous_hook: Callable | None = None
        self.last_reference: str | None = None

    def install(self) -> None:
        self._previous_hook = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        if self._previous_hook is not None and sys.excepthook == self.handle:
            sys.excepthook = self._previous_hook
        self._previous_hook = None

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> str | None:
        """Show the right dialog; return the reference for unexpected errors (None for AppError)."""
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return None
        if isinstance(exc, AppError):
            show_app_error(self._parent(), exc)
            return None
        reference = new_reference()
        self.last_reference = reference
        write_crash_report(self.log_dir, reference, exc_type, tb)
        log.error("unexpected error, reference %s (%s)", reference, exc_type.__name__)
        show_unexpected_error(self._parent(), reference)
        return reference


@contextlib.contextmanager
def reporting_errors(parent: QWidget | None, title: str = "Could not do that") -> Iterator[None]:
    """Around a user action: an AppError becomes a message box; anything else goes to the handler."""
    try:
        yield
    except AppError as error:
        show_app_error(parent, error, title)
